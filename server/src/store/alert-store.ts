import { Alert } from '@hotline/shared';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { FieldRead, ProjectionOp } from './link-log.js';
import type { RedisClient } from './redis.js';

/**
 * The alert projection kept beside each link log: the current state of every alert, the alerts still
 * active, and the open ones by next escalation time. Written only through link-log appends (the ops
 * below, in the same atomic step as the entry that changed the alert), so it can never disagree with
 * the log; read here, each value checked against the shared schema.
 */
export interface AlertStore {
  /** The snapshot read that goes with an append touching this alert. */
  read(linkId: string, alertId: string): FieldRead;
  /** The alert from a snapshot value (null when absent). */
  decode(raw: string | null): Alert | null;
  /** Projection writes for an alert after an entry changed it. */
  write(alert: Alert, options?: { raised?: boolean }): ProjectionOp[];
  get(linkId: string, alertId: string): Promise<Alert | null>;
  /** Alerts of a link raised at or after `since` (only open or acknowledged ones with `activeOnly`), newest first, at most `limit`. */
  list(linkId: string, options: { since?: number; activeOnly?: boolean; limit: number }): Promise<Alert[]>;
  /** Open alerts whose next escalation was due at or before `dueBefore`. */
  overdue(linkId: string, dueBefore: number, limit: number): Promise<Alert[]>;
}

export class RedisAlertStore implements AlertStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  read(linkId: string, alertId: string): FieldRead {
    return { key: this.keys.alerts(linkId), field: alertId };
  }

  decode(raw: string | null): Alert | null {
    return raw === null ? null : decodeStored(Alert, raw, 'alert');
  }

  write(alert: Alert, options: { raised?: boolean } = {}): ProjectionOp[] {
    const k = this.keys;
    const ops: ProjectionOp[] = [{ op: 'HSET', key: k.alerts(alert.linkId), field: alert.alertId, value: JSON.stringify(alert) }];
    if (options.raised) {
      ops.push({ op: 'ZADD', key: k.alertsByTime(alert.linkId), score: alert.raisedAt, member: alert.alertId });
      ops.push({ op: 'ZADD', key: k.activeAlerts(alert.linkId), score: alert.raisedAt, member: alert.alertId });
    }
    if (alert.state === 'resolved' || alert.state === 'cancelled') {
      ops.push({ op: 'ZREM', key: k.activeAlerts(alert.linkId), member: alert.alertId });
    }
    if (alert.state === 'open' && alert.nextEscalationAt !== null) {
      ops.push({ op: 'ZADD', key: k.alertsDue(alert.linkId), score: alert.nextEscalationAt, member: alert.alertId });
    } else {
      ops.push({ op: 'ZREM', key: k.alertsDue(alert.linkId), member: alert.alertId });
    }
    return ops;
  }

  async get(linkId: string, alertId: string): Promise<Alert | null> {
    return this.decode(await this.redis.hget(this.keys.alerts(linkId), alertId));
  }

  async #many(linkId: string, ids: string[]): Promise<Alert[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.alerts(linkId), ...ids);
    return raws.flatMap((r) => (r ? [this.decode(r)!] : []));
  }

  async list(linkId: string, options: { since?: number; activeOnly?: boolean; limit: number }): Promise<Alert[]> {
    const key = options.activeOnly ? this.keys.activeAlerts(linkId) : this.keys.alertsByTime(linkId);
    const ids = await this.redis.zrevrangebyscore(key, '+inf', options.since ?? '-inf', 'LIMIT', 0, options.limit);
    return this.#many(linkId, ids);
  }

  async overdue(linkId: string, dueBefore: number, limit: number): Promise<Alert[]> {
    const ids = await this.redis.zrangebyscore(this.keys.alertsDue(linkId), '-inf', dueBefore, 'LIMIT', 0, limit);
    return this.#many(linkId, ids);
  }
}
