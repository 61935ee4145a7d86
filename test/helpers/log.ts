import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { entryHashInput, verifyChain, type Entry } from '@hotline/shared';
import { Keys } from '../../server/src/store/keys.js';

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The Redis keys of the servers the tests start (HOTLINE_REDIS_PREFIX unset), built by the server's own Keys. */
export const keys = new Keys('hotline');

function entryOf(fields: string[]): Entry {
  return JSON.parse(fields[fields.indexOf('e') + 1]!) as Entry;
}

function seqOfId(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/**
 * Every entry of a link, read straight from Redis together with its head (one transaction). Throws when
 * the entries read do not end at the head: a read of the wrong keys, or of a log the head no longer
 * describes, fails here instead of passing as an empty or short log.
 */
export async function readLog(redis: Redis, linkId: string, prefix = 'hotline'): Promise<Entry[]> {
  const k = prefix === keys.prefix ? keys : new Keys(prefix);
  const [[readErr, rows], [headErr, head]] = (await redis.multi().xrange(k.log(linkId), '-', '+').hget(k.head(linkId), 'seq').exec()) as [
    [Error | null, [string, string[]][]],
    [Error | null, string | null],
  ];
  if (readErr || headErr) throw readErr ?? headErr;
  const entries = rows.map(([, fields]) => entryOf(fields));
  const last = rows.length > 0 ? seqOfId(rows[rows.length - 1]![0]) : 0;
  if (last !== Number(head ?? 0)) throw new Error(`read the log of ${linkId} up to seq ${last}, but its head is at ${head ?? 0}`);
  return entries;
}

/** Asserts the link's log is gapless and its hash chain intact; returns its entries. */
export async function verifiedLog(redis: Redis, linkId: string): Promise<Entry[]> {
  const entries = await readLog(redis, linkId);
  const check = verifyChain(entries, sha256);
  if (!check.ok) throw new Error(`chain of ${linkId} broken at seq ${check.seq}: ${check.reason}`);
  return entries;
}

/**
 * The head seq of each link (0 for an empty log), each read with the last entry of its log in one
 * transaction and checked against it.
 */
export async function headSeqs(redis: Redis, linkIds: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const linkId of linkIds) {
    const [[lastErr, lastRows], [headErr, head]] = (await redis.multi().xrevrange(keys.log(linkId), '+', '-', 'COUNT', 1).hget(keys.head(linkId), 'seq').exec()) as [
      [Error | null, [string, string[]][]],
      [Error | null, string | null],
    ];
    if (lastErr || headErr) throw lastErr ?? headErr;
    const last = lastRows[0] ? seqOfId(lastRows[0][0]) : 0;
    if (last !== Number(head ?? 0)) throw new Error(`the log of ${linkId} ends at seq ${last}, but its head is at ${head ?? 0}`);
    out[linkId] = last;
  }
  return out;
}

/**
 * The heads to compare with after refusals that must write nothing. At least one of the links must hold
 * entries: a "nothing was written" check on logs that read empty would pass whatever was read (the wrong
 * keys, the wrong Redis), so the test writes something first.
 */
export async function headsBeforeRefusals(redis: Redis, linkIds: readonly string[]): Promise<Record<string, number>> {
  const heads = await headSeqs(redis, linkIds);
  if (Object.values(heads).every((seq) => seq === 0)) {
    throw new Error(`the logs of ${linkIds.join(', ')} read empty: nothing to compare with after the refusals`);
  }
  return heads;
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
  const tx = redis.multi().del(keys.log(linkId));
  out.forEach((e, i) => tx.xadd(keys.log(linkId), `${i + 1}-0`, 'e', JSON.stringify(e)));
  const last = out[out.length - 1]!;
  tx.hset(keys.head(linkId), 'seq', String(out.length), 'hash', last.hash, 'ts', String(last.ts));
  await tx.exec();
}
