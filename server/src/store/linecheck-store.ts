import { LineCheck } from '@hotline/shared';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { FieldRead, ProjectionOp } from './link-log.js';
import type { RedisClient } from './redis.js';

/**
 * Scheduled line checks, projected beside each link log, and each link's next scheduled check time.
 * Checks are written only through link-log appends (in the same atomic step as their linecheck.*
 * entry), and so is every move of the next time after the first: the append that starts a check also
 * moves the mark, so a time is claimed by exactly one node. Values read are checked against the shared
 * schema.
 */
export interface LineCheckStore {
  /** The snapshot read of a check, for an append that answers or closes it. */
  read(linkId: string, checkId: string): FieldRead;
  /** The snapshot read of the link's next scheduled check time. */
  readNext(linkId: string): FieldRead;
  /** The check from a snapshot value (null when absent). */
  decode(raw: string | null): LineCheck | null;
  /** The next scheduled time from a snapshot value (null when the schedule was never seen). */
  decodeNext(raw: string | null): number | null;
  /** Projection writes for a check after an entry created or changed it. */
  write(check: LineCheck, options?: { created?: boolean }): ProjectionOp[];
  /** The projection write that moves the link's next scheduled time. */
  writeNext(linkId: string, at: number): ProjectionOp;
  /** The next scheduled time of each link (null for a schedule never seen). */
  next(linkIds: readonly string[]): Promise<(number | null)[]>;
  /** Sets the first scheduled time of a schedule seen for the first time; keeps one already set (by another node). */
  initNext(linkId: string, at: number): Promise<void>;
  get(linkId: string, checkId: string): Promise<LineCheck | null>;
  /** Checks of a link started in [from, to], by start time. */
  between(linkId: string, from: number, to: number): Promise<LineCheck[]>;
}

const NEXT = 'next';

export class RedisLineCheckStore implements LineCheckStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  read(linkId: string, checkId: string): FieldRead {
    return { key: this.keys.lineChecks(linkId), field: checkId };
  }

  readNext(linkId: string): FieldRead {
    return { key: this.keys.lineCheckState(linkId), field: NEXT };
  }

  decode(raw: string | null): LineCheck | null {
    return raw === null ? null : decodeStored(LineCheck, raw, 'line check');
  }

  decodeNext(raw: string | null): number | null {
    const at = raw === null ? NaN : Number(raw);
    return Number.isFinite(at) && at > 0 ? at : null;
  }

  write(check: LineCheck, options: { created?: boolean } = {}): ProjectionOp[] {
    const ops: ProjectionOp[] = [{ op: 'HSET', key: this.keys.lineChecks(check.linkId), field: check.checkId, value: JSON.stringify(check) }];
    if (options.created) ops.push({ op: 'ZADD', key: this.keys.lineChecksByTime(check.linkId), score: check.startedAt, member: check.checkId });
    return ops;
  }

  writeNext(linkId: string, at: number): ProjectionOp {
    return { op: 'HSET', key: this.keys.lineCheckState(linkId), field: NEXT, value: String(at) };
  }

  async next(linkIds: readonly string[]): Promise<(number | null)[]> {
    // One command per link (different slots on a cluster); auto-pipelined.
    const raws = await Promise.all(linkIds.map((id) => this.redis.hget(this.keys.lineCheckState(id), NEXT)));
    return raws.map((raw) => this.decodeNext(raw));
  }

  async initNext(linkId: string, at: number): Promise<void> {
    await this.redis.hsetnx(this.keys.lineCheckState(linkId), NEXT, String(at));
  }

  async get(linkId: string, checkId: string): Promise<LineCheck | null> {
    return this.decode(await this.redis.hget(this.keys.lineChecks(linkId), checkId));
  }

  async between(linkId: string, from: number, to: number): Promise<LineCheck[]> {
    const ids = await this.redis.zrangebyscore(this.keys.lineChecksByTime(linkId), from, to);
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.lineChecks(linkId), ...ids);
    return raws.flatMap((r) => (r ? [this.decode(r)!] : []));
  }
}
