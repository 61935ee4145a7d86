import { MessageDeadline } from '@hotline/shared';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { FieldRead, ProjectionOp } from './link-log.js';
import type { RedisClient } from './redis.js';

/**
 * Flash and immediate messages awaiting the counterpart's acknowledgement, projected beside each link
 * log like alerts: written only through link-log appends (the ops below, in the same atomic step as
 * the message, its acknowledgement or its escalation), so the projection never disagrees with the log;
 * read here, each value checked against the shared schema.
 */
export interface DeadlineStore {
  /** The snapshot read that goes with an append touching this deadline. */
  read(linkId: string, id: string): FieldRead;
  /** The deadline from a snapshot value (null when absent). */
  decode(raw: string | null): MessageDeadline | null;
  /** Projection writes for a deadline after an entry created or changed it. */
  write(deadline: MessageDeadline, options?: { created?: boolean }): ProjectionOp[];
  get(linkId: string, id: string): Promise<MessageDeadline | null>;
  /** Deadlines of messages sent in [from, to], by send time. */
  between(linkId: string, from: number, to: number): Promise<MessageDeadline[]>;
  /** Awaiting deadlines whose next escalation was due at or before `dueBefore`, at most `limit`. */
  overdue(linkId: string, dueBefore: number, limit: number): Promise<MessageDeadline[]>;
  /** Deadlines still awaiting acknowledgement on a link, the earliest deadline first. */
  awaiting(linkId: string): Promise<MessageDeadline[]>;
}

export class RedisDeadlineStore implements DeadlineStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  read(linkId: string, id: string): FieldRead {
    return { key: this.keys.deadlines(linkId), field: id };
  }

  decode(raw: string | null): MessageDeadline | null {
    return raw === null ? null : decodeStored(MessageDeadline, raw, 'message deadline');
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
    return this.decode(await this.redis.hget(this.keys.deadlines(linkId), id));
  }

  async #many(linkId: string, ids: string[]): Promise<MessageDeadline[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.deadlines(linkId), ...ids);
    return raws.flatMap((r) => (r ? [this.decode(r)!] : []));
  }

  async between(linkId: string, from: number, to: number): Promise<MessageDeadline[]> {
    return this.#many(linkId, await this.redis.zrangebyscore(this.keys.deadlinesByTime(linkId), from, to));
  }

  async overdue(linkId: string, dueBefore: number, limit: number): Promise<MessageDeadline[]> {
    return this.#many(linkId, await this.redis.zrangebyscore(this.keys.deadlinesDue(linkId), '-inf', dueBefore, 'LIMIT', 0, limit));
  }

  async awaiting(linkId: string): Promise<MessageDeadline[]> {
    return this.#many(linkId, await this.redis.zrange(this.keys.deadlinesAwaiting(linkId), 0, -1));
  }
}
