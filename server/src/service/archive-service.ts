import { createHash, createPublicKey, verify } from 'node:crypto';
import { Checkpoint as CheckpointSchema, GENESIS_HASH, checkpointInput, fromBase64Url, verifyChain, type Checkpoint, type Entry } from '@hotline/shared';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import type { ArchivedRow, LinkArchive } from '../store/archive.js';
import type { CheckpointStore } from '../store/checkpoint-store.js';
import type { HotRow, RedisHotLog } from '../store/hot-log.js';
import type { LinkLog } from '../store/link-log.js';
import type { ServerKey } from './checkpoint-service.js';

/** The steps of a segment move, in order; a test hook can stop the process at any of them. */
export const MOVE_STEPS = ['before-copy', 'during-copy', 'after-copy', 'after-compare', 'after-mark', 'during-trim', 'after-trim'] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

export interface ArchivePolicy {
  /** Entries older than this (ms) are cold. */
  afterMs: number;
  /** Entries with more than this many newer entries behind them are cold. */
  hotEntries: number;
  /** Rows copied, compared and trimmed per round trip. */
  chunk: number;
  /** A segment stops at the last checkpoint within this many entries of its start (or the first beyond). */
  maxSegment: number;
}

export interface MoveResult {
  linkId: string;
  /** Entries moved to the archive in this call. */
  archived: number;
  /** Entries trimmed from Redis in this call (a segment marked earlier and left untrimmed included). */
  trimmed: number;
  /** Why nothing moved, when nothing did. */
  skipped?: 'locked' | 'no-checkpoint' | 'nothing-cold';
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

/**
 * Moves cold segments of each link log from Redis to the archive. Per link, under the link's mover lock:
 *
 *   1. trim what an earlier move marked but did not trim (it was stopped after marking);
 *   2. pick the segment: from the archive's watermark + 1 up to a signed checkpoint at or below the cold
 *      limit (its signature checked with the server key);
 *   3. copy it in chunks, checking the hash chain from the watermark's hash to the checkpoint's as it
 *      goes (rows already there from a stopped move are left as they are), and its checkpoints;
 *   4. read it back from the archive and compare every row and checkpoint with Redis, byte for byte;
 *   5. mark it (the durable watermark);
 *   6. trim it from Redis, in chunks, and its checkpoints.
 *
 * Every step is idempotent and nothing is trimmed before it is marked, so a node killed at any point
 * loses nothing and duplicates nothing: the next move (on any node) finishes the job. Two movers on one
 * link at once (a lock lost with its connection) would only repeat idempotent steps.
 */
export class ArchiveService {
  readonly #archive: LinkArchive;
  readonly #hot: RedisHotLog;
  readonly #log: LinkLog;
  readonly #checkpoints: CheckpointStore;
  readonly #topo: TopologyIndex;
  readonly #logger: Logger;
  readonly #serverKey: ServerKey;
  readonly #policy: ArchivePolicy;
  readonly #nodeId: string;
  readonly #now: () => number;
  readonly #onStep: ((step: MoveStep, linkId: string) => void) | undefined;
  /** Counters for metrics. */
  moved = 0;
  failures = 0;

  constructor(deps: {
    archive: LinkArchive;
    hot: RedisHotLog;
    log: LinkLog;
    checkpoints: CheckpointStore;
    topo: TopologyIndex;
    logger: Logger;
    serverKey: ServerKey;
    policy: ArchivePolicy;
    nodeId: string;
    now?: () => number;
    onStep?: (step: MoveStep, linkId: string) => void;
  }) {
    this.#archive = deps.archive;
    this.#hot = deps.hot;
    this.#log = deps.log;
    this.#checkpoints = deps.checkpoints;
    this.#topo = deps.topo;
    this.#logger = deps.logger;
    this.#serverKey = deps.serverKey;
    this.#policy = deps.policy;
    this.#nodeId = deps.nodeId;
    this.#now = deps.now ?? Date.now;
    this.#onStep = deps.onStep;
  }

  /** One round over every link: moves what is cold on each (as many segments as there are). */
  async tick(): Promise<MoveResult[]> {
    const results: MoveResult[] = [];
    for (const link of this.#topo.links) {
      try {
        for (let i = 0; i < 1000; i++) {
          const r = await this.moveLink(link.id);
          results.push(r);
          if (r.archived === 0) break;
        }
      } catch (err) {
        this.failures++;
        this.#logger.error({ err, linkId: link.id }, 'archiving a segment failed; nothing was trimmed beyond what is archived');
      }
    }
    return results;
  }

  /** Moves the next cold segment of a link, if there is one and no other mover holds the link. */
  async moveLink(linkId: string): Promise<MoveResult> {
    const lock = await this.#archive.lock(linkId);
    if (!lock) return { linkId, archived: 0, trimmed: 0, skipped: 'locked' };
    try {
      return await this.#move(linkId);
    } finally {
      await lock.release();
    }
  }

  #step(step: MoveStep, linkId: string): void {
    this.#onStep?.(step, linkId);
  }

  async #move(linkId: string): Promise<MoveResult> {
    const { chunk } = this.#policy;
    const mark = await this.#archive.watermark(linkId);
    const watermark = mark?.toSeq ?? 0;
    // 1. A move stopped after marking: finish its trim.
    let trimmed = await this.#trim(linkId, watermark);

    // 2. The segment: up to the last signed checkpoint at or below the cold limit.
    const limit = await this.#coldLimit(linkId);
    if (limit <= watermark) return { linkId, archived: 0, trimmed, skipped: 'nothing-cold' };
    const cps = await this.#checkpoints.between(linkId, watermark + 1, limit);
    const within = cps.filter((c) => c.seq <= watermark + this.#policy.maxSegment);
    const cp = within.length > 0 ? within[within.length - 1] : cps[0];
    if (!cp) return { linkId, archived: 0, trimmed, skipped: 'no-checkpoint' };
    this.#checkCheckpoint(cp);
    const fromSeq = watermark + 1;

    // 3. Copy, checking the chain from the watermark to the checkpoint.
    this.#step('before-copy', linkId);
    let prev = { seq: watermark, hash: mark?.lastHash ?? GENESIS_HASH };
    for (let after = watermark; after < cp.seq; ) {
      const rows = await this.#hot.rows(linkId, after, cp.seq, chunk);
      if (rows.length === 0) throw new ArchiveError(`link ${linkId}: entries ${after + 1}..${cp.seq} are neither in Redis nor archived`);
      const archived = rows.map((r) => toArchived(linkId, r));
      const check = verifyChain(
        archived.map((a) => a.entry),
        sha256,
        prev,
      );
      if (!check.ok) throw new ArchiveError(`link ${linkId}: the hash chain in Redis breaks at seq ${check.seq} (${check.reason}); not archiving it`);
      prev = check.head;
      await this.#archive.insert(
        linkId,
        archived.map((a) => a.row),
      );
      after = rows[rows.length - 1]!.seq;
      if (after < cp.seq) this.#step('during-copy', linkId);
    }
    if (prev.seq !== cp.seq || prev.hash !== cp.hash) {
      throw new ArchiveError(`link ${linkId}: the entry at seq ${cp.seq} does not have the checkpoint's hash; not archiving it`);
    }
    // The segment's checkpoints go with it (they leave Redis with its entries).
    const hotCheckpoints = await this.#hot.checkpoints(linkId, fromSeq, cp.seq);
    await this.#archive.insertCheckpoints(linkId, hotCheckpoints);
    this.#step('after-copy', linkId);

    // 4. Read back and compare, byte for byte.
    for (let after = watermark; after < cp.seq; ) {
      const hot = await this.#hot.rows(linkId, after, cp.seq, chunk);
      const last = hot[hot.length - 1];
      if (!last) throw new ArchiveError(`link ${linkId}: entries after ${after} left Redis during the move`);
      const cold = await this.#archive.rows(linkId, after + 1, last.seq);
      if (cold.length !== hot.length) throw new ArchiveError(`link ${linkId}: ${cold.length} of ${hot.length} rows after seq ${after} read back from the archive`);
      hot.forEach((h, i) => {
        const c = cold[i]!;
        if (c.seq !== h.seq || c.json !== h.json) throw new ArchiveError(`link ${linkId}: archived entry ${c.seq} differs from Redis's`);
      });
      after = last.seq;
    }
    const asText = (cps: { seq: number; json: string }[]) => cps.map((c) => `${c.seq} ${c.json}`).join('\n');
    if (asText(await this.#archive.checkpoints(linkId, fromSeq, cp.seq)) !== asText(await this.#hot.checkpoints(linkId, fromSeq, cp.seq))) {
      throw new ArchiveError(`link ${linkId}: the checkpoints of ${fromSeq}..${cp.seq} read back from the archive differ from Redis's`);
    }
    this.#step('after-compare', linkId);

    // 5. Mark: the durable watermark.
    await this.#archive.mark({ linkId, fromSeq, toSeq: cp.seq, lastHash: cp.hash, checkpoint: JSON.stringify(cp), nodeId: this.#nodeId });
    this.#step('after-mark', linkId);
    const archived = cp.seq - watermark;
    this.moved += archived;

    // 6. Trim from Redis.
    trimmed += await this.#trim(linkId, cp.seq);
    this.#step('after-trim', linkId);
    this.#logger.info({ linkId, fromSeq, toSeq: cp.seq, archived }, 'archived a segment');
    return { linkId, archived, trimmed };
  }

  async #trim(linkId: string, uptoSeq: number): Promise<number> {
    if (uptoSeq === 0) return 0;
    let first = true;
    const trimmed = await this.#hot.trim(linkId, uptoSeq, this.#policy.chunk, () => {
      if (first) this.#step('during-trim', linkId);
      first = false;
    });
    await this.#hot.trimCheckpoints(linkId, uptoSeq);
    return trimmed;
  }

  /** Highest seq that is cold: older than the window, or followed by more than hotEntries entries. */
  async #coldLimit(linkId: string): Promise<number> {
    const head = (await this.#log.heads([linkId])).get(linkId)!;
    let limit = Math.max(0, head.seq - this.#policy.hotEntries);
    const cutoff = this.#now() - this.#policy.afterMs;
    // Entries older than the cutoff: scan from the oldest hot entry (ts never decreases along a log).
    const first = await this.#hot.first(linkId);
    if (first && first.seq > limit) {
      let after = first.seq - 1;
      for (;;) {
        const rows = await this.#hot.rows(linkId, after, head.seq, this.#policy.chunk);
        if (rows.length === 0) break;
        const idx = rows.findIndex((r) => (JSON.parse(r.json) as { ts: number }).ts >= cutoff);
        if (idx >= 0) {
          limit = Math.max(limit, rows[idx]!.seq - 1);
          break;
        }
        limit = Math.max(limit, rows[rows.length - 1]!.seq);
        after = rows[rows.length - 1]!.seq;
      }
    }
    return limit;
  }

  #checkCheckpoint(cp: Checkpoint): void {
    const parsed = CheckpointSchema.safeParse(cp);
    if (!parsed.success || cp.keyId !== this.#serverKey.keyId) throw new ArchiveError(`checkpoint ${cp.linkId}#${cp.seq} is not one of this server's`);
    const key = createPublicKey({ key: Buffer.from(fromBase64Url(this.#serverKey.publicKey)), format: 'der', type: 'spki' });
    const ok = verify('sha256', Buffer.from(checkpointInput(cp), 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(fromBase64Url(cp.sig)));
    if (!ok) throw new ArchiveError(`checkpoint ${cp.linkId}#${cp.seq} does not verify with the server key`);
  }
}

function toArchived(linkId: string, r: HotRow): { row: ArchivedRow; entry: Entry } {
  let entry: Entry;
  try {
    entry = JSON.parse(r.json) as Entry;
  } catch {
    throw new ArchiveError(`link ${linkId}: entry ${r.seq} in Redis is not JSON; not archiving it`);
  }
  if (entry.seq !== r.seq || entry.linkId !== linkId) throw new ArchiveError(`link ${linkId}: entry ${r.seq} in Redis is not where it claims to be`);
  return { row: { seq: r.seq, hash: entry.hash, ts: entry.ts, json: r.json }, entry };
}
