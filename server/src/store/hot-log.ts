import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

/** One entry of a link's stream, unparsed: its seq and JSON as Redis holds them. */
export interface HotRow {
  seq: number;
  json: string;
}

function toHotRow(row: [string, string[]]): HotRow {
  const [id, fields] = row;
  return { seq: Number(id.slice(0, id.indexOf('-'))), json: fields[fields.indexOf('e') + 1]! };
}

/**
 * The part of each link log still in Redis (the hot store), seen raw: what the archive mover copies,
 * compares and trims, and what the metrics report as the oldest hot entry.
 */
export class RedisHotLog {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  /** The oldest entry still in Redis, or null for an empty stream. */
  async first(linkId: string): Promise<HotRow | null> {
    const rows = await this.redis.xrange(this.keys.log(linkId), '-', '+', 'COUNT', 1);
    return rows[0] ? toHotRow(rows[0]) : null;
  }

  /** Rows with seq in (afterSeq, toSeq], by seq, at most `limit`. */
  async rows(linkId: string, afterSeq: number, toSeq: number, limit: number): Promise<HotRow[]> {
    if (toSeq <= afterSeq || limit <= 0) return [];
    const rows = await this.redis.xrange(this.keys.log(linkId), `(${afterSeq}-0`, `${toSeq}-0`, 'COUNT', limit);
    return rows.map(toHotRow);
  }

  /**
   * Removes the entries with seq <= uptoSeq, `chunk` at a time (XTRIM MINID, exact), so that a long
   * trim does not block Redis; `onChunk` runs after each. Returns how many went.
   */
  async trim(linkId: string, uptoSeq: number, chunk: number, onChunk?: () => void): Promise<number> {
    const first = await this.first(linkId);
    if (!first || first.seq > uptoSeq) return 0;
    let removed = 0;
    for (let below = Math.min(first.seq + chunk, uptoSeq + 1); ; below = Math.min(below + chunk, uptoSeq + 1)) {
      removed += await this.redis.xtrim(this.keys.log(linkId), 'MINID', `${below}-0`);
      onChunk?.();
      if (below > uptoSeq) return removed;
    }
  }

  /** Signed checkpoints of a link still in Redis with seq in [fromSeq, toSeq], JSON as stored, by seq. */
  async checkpoints(linkId: string, fromSeq: number, toSeq: number): Promise<{ seq: number; json: string }[]> {
    const flat = await this.redis.zrangebyscore(this.keys.checkpoints(linkId), fromSeq, toSeq, 'WITHSCORES');
    const out: { seq: number; json: string }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ seq: Number(flat[i + 1]), json: flat[i]! });
    return out;
  }

  /** Removes the link's checkpoints with seq <= uptoSeq from Redis (the latest one is kept apart and stays). */
  trimCheckpoints(linkId: string, uptoSeq: number): Promise<number> {
    return this.redis.zremrangebyscore(this.keys.checkpoints(linkId), '-inf', uptoSeq);
  }

  /** Stream length (entries in Redis). */
  length(linkId: string): Promise<number> {
    return this.redis.xlen(this.keys.log(linkId));
  }
}
