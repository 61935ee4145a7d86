import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { entryHashInput, verifyChain, type Entry } from '@hotline/shared';

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

/**
 * Writes entries back as a link's log, straight into Redis: what a host with write access to Redis
 * could do. With `rechain`, the hash chain is recomputed, so only signatures, quoted hashes and server
 * checkpoints can tell.
 */
export async function rewriteLog(redis: Redis, linkId: string, entries: Entry[], options: { rechain?: boolean } = {}): Promise<void> {
  let prev = '0'.repeat(64);
  const out = entries.map((e) => {
    if (!options.rechain) return e;
    const body = { ...e, prevHash: prev } as Record<string, unknown>;
    delete body.hash;
    const hash = sha256(entryHashInput(body));
    prev = hash;
    return { ...body, hash } as Entry;
  });
  const tx = redis.multi().del(`hotline:log:{link:${linkId}}`);
  out.forEach((e, i) => tx.xadd(`hotline:log:{link:${linkId}}`, `${i + 1}-0`, 'e', JSON.stringify(e)));
  const last = out[out.length - 1]!;
  tx.hset(`hotline:head:{link:${linkId}}`, 'seq', String(out.length), 'hash', last.hash, 'ts', String(last.ts));
  await tx.exec();
}
