import type { MessageDeadline } from '@hotline/shared';
import type { Keys } from './keys.js';
import type { FieldRead, ProjectionOp } from './link-log.js';
import type { RedisClient } from './redis.js';

/**
 * Flash and immediate messages awaiting the counterpart's acknowledgement, projected beside the log
 * like alerts: written only through link-log appends, read here.
 */
export class RedisDeadlineStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  read(linkId: string, id: string): FieldRead {
    return { key: this.keys.deadlines(linkId), field: id };
  }

  write(d: MessageDeadline, options: { created?: boolean } = {}): ProjectionOp[] {
    const k = this.keys;
    const ops: ProjectionOp[] = [{ op: 'HSET', key: k.deadlines(d.linkId), field: d.id, value: JSON.stringify(d) }];
    if (options.created) ops.push({ op: 'ZADD', key: k.deadlinesByTime(d.linkId), score: d.sentAt, member: d.id });
    if (d.state === 'awaiting') ops.push({ op: 'ZADD', key: k.deadlinesAwaiting(d.linkId), score: d.deadlineAt, member: d.id });
    else ops.push({ op: 'ZREM', key: k.deadlinesAwaiting(d.linkId), member: d.id });
    if (d.state === 'awaiting' && d.nextEscalationAt !== null) {
      ops.push({ op: 'ZADD', key: k.deadlinesDue(d.linkId), score: d.nextEscalationAt, member: d.id });
    } else {
      ops.push({ op: 'ZREM', key: k.deadlinesDue(d.linkId), member: d.id });
    }
    return ops;
  }

  async get(linkId: string, id: string): Promise<MessageDeadline | null> {
    const raw = await this.redis.hget(this.keys.deadlines(linkId), id);
    return raw ? (JSON.parse(raw) as MessageDeadline) : null;
  }

  async #many(linkId: string, ids: string[]): Promise<MessageDeadline[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.deadlines(linkId), ...ids);
    return raws.flatMap((r) => (r ? [JSON.parse(r) as MessageDeadline] : []));
  }

  /** Deadlines of messages sent in [from, to]. */
  async between(linkId: string, from: number, to: number): Promise<MessageDeadline[]> {
    return this.#many(linkId, await this.redis.zrangebyscore(this.keys.deadlinesByTime(linkId), from, to));
  }

  /** Awaiting deadlines whose next escalation was due at or before `dueBefore`. */
  async overdue(linkId: string, dueBefore: number, limit: number): Promise<MessageDeadline[]> {
    return this.#many(linkId, await this.redis.zrangebyscore(this.keys.deadlinesDue(linkId), '-inf', dueBefore, 'LIMIT', 0, limit));
  }

  /** Deadlines still awaiting acknowledgement on a link. */
  async awaiting(linkId: string): Promise<MessageDeadline[]> {
    return this.#many(linkId, await this.redis.zrange(this.keys.deadlinesAwaiting(linkId), 0, -1));
  }
}
