import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { verifyChain, type Entry } from '@hotline/shared';

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Every entry of a link, read straight from Redis (prefix "hotline"). */
export async function readLog(redis: Redis, linkId: string, prefix = 'hotline'): Promise<Entry[]> {
  const rows = await redis.xrange(`${prefix}:log:{link:${linkId}}`, '-', '+');
  return rows.map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]!) as Entry);
}

/** Asserts the link's log is gapless and its hash chain intact; returns its entries. */
export async function verifiedLog(redis: Redis, linkId: string): Promise<Entry[]> {
  const entries = await readLog(redis, linkId);
  const check = verifyChain(entries, sha256);
  if (!check.ok) throw new Error(`chain of ${linkId} broken at seq ${check.seq}: ${check.reason}`);
  return entries;
}
