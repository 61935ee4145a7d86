import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppError, ErrorCode, NotificationAttempt, NotificationItem, ContactRules, type ContactStep } from '@hotline/shared';
import { z } from 'zod';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis.js';

/** Keys of the notification room, beside the service's own (same prefix). User-scoped keys share a hash tag. */
export class NotificationKeys {
  readonly #p: string;
  constructor(keys: Keys) {
    this.#p = `${keys.prefix}:ntf`;
  }
  /** List of NotificationAttempt JSON, against one alert or message (in its link's slot). */
  attempts(linkId: string, subjectId: string): string {
    return `${this.#p}:log:{link:${linkId}}:${subjectId}`;
  }
  /** Set of "<key>|<kind>|<attempt>" already recorded for the subject (records stay single). */
  attemptsSeen(linkId: string, subjectId: string): string {
    return `${this.#p}:seen:{link:${linkId}}:${subjectId}`;
  }
  /** Hash "<subjectId>:<step>" → ms from the escalation to its first delivery. */
  firstDelivery(linkId: string): string {
    return `${this.#p}:first:{link:${linkId}}`;
  }
  /** String: JSON of the items an acknowledgement code lists. */
  code(userId: string, code: string): string {
    return `${this.#p}:{u:${userId}}:code:${code}`;
  }
  /** String: the code given to a user for one subject (so every channel quotes the same). */
  codeOf(userId: string, subjectId: string): string {
    return `${this.#p}:{u:${userId}}:codeof:${subjectId}`;
  }
  /** String with a TTL of the bundle window: the key of the last delivery sent on a channel. */
  window(userId: string, channel: string): string {
    return `${this.#p}:{u:${userId}}:window:${channel}`;
  }
  /** List of NotificationItem JSON waiting for the bundle of a channel. */
  bundle(userId: string, channel: string): string {
    return `${this.#p}:{u:${userId}}:bundle:${channel}`;
  }
  /** The same list once a bundle job took it (renamed, so a retried job reads the same items). */
  bundleTaken(userId: string, channel: string, slot: string): string {
    return `${this.#p}:{u:${userId}}:bundle:${channel}:${slot}`;
  }
  /** String: the user's own contact rules (JSON). */
  contacts(userId: string): string {
    return `${this.#p}:{u:${userId}}:contacts`;
  }
  /** Hash: normalised address → user id, per gateway (registered contacts). */
  addresses(gatewayId: string): string {
    return `${this.#p}:addr:${gatewayId}`;
  }
  /** Hash: subscription id → stored push subscription JSON. */
  push(userId: string): string {
    return `${this.#p}:{u:${userId}}:push`;
  }
  /** String with a TTL: a gateway reply's messageId already seen. */
  reply(gatewayId: string, messageId: string): string {
    return `${this.#p}:reply:${gatewayId}:${messageId}`;
  }
}

export const StoredPushSubscription = z.object({
  id: z.string(),
  endpoint: z.string(),
  keys: z.object({ p256dh: z.string(), auth: z.string() }),
  device: z.string().optional(),
  createdAt: z.number(),
  /** The signing key the console registered in its session, and that session: pushes carry a grant bound to both. */
  keyId: z.string().optional(),
  sid: z.string().optional(),
  /** Subscribed with a drill token: its grants act on exercise alerts only. */
  drillOnly: z.boolean().optional(),
});
export type StoredPushSubscription = z.infer<typeof StoredPushSubscription>;

/** Phone numbers and other addresses compared without spaces, dashes, dots and brackets. */
export function normaliseAddress(address: string): string {
  return address.replace(/[\s\-().]/g, '').toLowerCase();
}

const Items = z.array(NotificationItem);

const RECORD_LUA = readFileSync(new URL('../store/lua/recordAttempts-2.lua', import.meta.url), 'utf8');

interface RecordCommand {
  recordAttempts(record: string, seen: string, ...memberThenJson: string[]): Promise<number>;
}

/**
 * Redis state of notifications: the record of attempts per alert or message, acknowledgement codes,
 * bundle windows, users' own contact rules and their address index, push subscriptions, and the replay
 * guard of gateway replies.
 */
export class RedisNotificationStore {
  readonly #redis: RedisClient & RecordCommand;
  readonly keys: NotificationKeys;

  constructor(redis: RedisClient, keys: Keys) {
    if (!('recordAttempts' in redis)) redis.defineCommand('recordAttempts', { lua: RECORD_LUA, numberOfKeys: 2 });
    this.#redis = redis as RedisClient & RecordCommand;
    this.keys = new NotificationKeys(keys);
  }

  /** Appends an attempt to the subject's record, once per (key, kind, attempt, user). */
  async record(linkId: string, subjectId: string, attempt: NotificationAttempt): Promise<void> {
    await this.recordAll(linkId, subjectId, [attempt]);
  }

  /**
   * Appends attempts to the subject's record in one atomic step, each once per (key, kind, attempt,
   * user): whoever reads the record sees all of them or none.
   */
  async recordAll(linkId: string, subjectId: string, attempts: readonly NotificationAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    const args = attempts.flatMap((a) => [`${a.key}|${a.kind}|${a.attempt ?? 0}|${a.userId}`, JSON.stringify(a)]);
    await this.#redis.recordAttempts(this.keys.attempts(linkId, subjectId), this.keys.attemptsSeen(linkId, subjectId), ...args);
  }

  async attempts(linkId: string, subjectId: string): Promise<NotificationAttempt[]> {
    const raw = await this.#redis.lrange(this.keys.attempts(linkId, subjectId), 0, -1);
    return raw.flatMap((r) => {
      const parsed = NotificationAttempt.safeParse(JSON.parse(r));
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Keeps the time to the first delivery of an escalation step (the first one wins). */
  async firstDelivery(linkId: string, subjectId: string, step: number, ms: number): Promise<boolean> {
    return (await this.#redis.hsetnx(this.keys.firstDelivery(linkId), `${subjectId}:${step}`, String(Math.max(0, Math.round(ms))))) === 1;
  }

  async firstDeliveries(linkId: string): Promise<Map<string, number>> {
    const all = await this.#redis.hgetall(this.keys.firstDelivery(linkId));
    return new Map(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  /**
   * The acknowledgement code of a user for `items`: for one item, the code it already has (every channel
   * quotes the same); otherwise a fresh 4-digit code, unique among the user's live codes.
   */
  async codeFor(userId: string, items: NotificationItem[], ttlMs: number): Promise<string> {
    if (items.length === 1) {
      const existing = await this.#redis.get(this.keys.codeOf(userId, items[0]!.id));
      if (existing && (await this.#redis.exists(this.keys.code(userId, existing)))) return existing;
    }
    for (let tries = 0; tries < 50; tries++) {
      const digits = tries < 40 ? 4 : 6;
      const code = String(randomInt(10 ** (digits - 1), 10 ** digits));
      const ok = await this.#redis.set(this.keys.code(userId, code), JSON.stringify(items), 'PX', ttlMs, 'NX');
      if (ok !== 'OK') continue;
      if (items.length === 1) {
        // First writer wins, so concurrent channels still agree on one code.
        const set = await this.#redis.set(this.keys.codeOf(userId, items[0]!.id), code, 'PX', ttlMs, 'NX');
        if (set !== 'OK') {
          await this.#redis.del(this.keys.code(userId, code));
          const other = await this.#redis.get(this.keys.codeOf(userId, items[0]!.id));
          if (other) return other;
          continue;
        }
      }
      return code;
    }
    throw new AppError(ErrorCode.UNAVAILABLE, 'could not allocate an acknowledgement code');
  }

  async itemsOfCode(userId: string, code: string): Promise<NotificationItem[] | null> {
    const raw = await this.#redis.get(this.keys.code(userId, code));
    if (!raw) return null;
    const parsed = Items.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /**
   * Opens the bundle window of a channel for the delivery `key`, or finds it open. Returns whether `key`
   * is the one that opened it (a retried job of the same key still is), and when the window ends.
   */
  async claimWindow(userId: string, channel: string, key: string, windowMs: number): Promise<{ first: boolean; endsAt: number }> {
    const k = this.keys.window(userId, channel);
    for (let i = 0; i < 5; i++) {
      if ((await this.#redis.set(k, key, 'PX', Math.max(1, windowMs), 'NX')) === 'OK') return { first: true, endsAt: Date.now() + windowMs };
      const [holder, ttl] = await Promise.all([this.#redis.get(k), this.#redis.pttl(k)]);
      if (holder === null || ttl < 0) continue;
      return { first: holder === key, endsAt: Date.now() + ttl };
    }
    return { first: true, endsAt: Date.now() + windowMs };
  }

  /** Restarts the window after a bundle was sent, so what follows is bundled again. */
  async reopenWindow(userId: string, channel: string, key: string, windowMs: number): Promise<void> {
    await this.#redis.set(this.keys.window(userId, channel), key, 'PX', Math.max(1, windowMs));
  }

  async addToBundle(userId: string, channel: string, item: NotificationItem): Promise<void> {
    await this.#redis.rpush(this.keys.bundle(userId, channel), JSON.stringify(item));
  }

  /** Takes the waiting items of a channel for the bundle `slot`; a retry of the same slot gets the same items. */
  async takeBundle(userId: string, channel: string, slot: string): Promise<NotificationItem[]> {
    const taken = this.keys.bundleTaken(userId, channel, slot);
    try {
      await this.#redis.renamenx(this.keys.bundle(userId, channel), taken);
    } catch {
      // Nothing waiting (no such key): the taken list, if any, is what a previous run took.
    }
    const raw = await this.#redis.lrange(taken, 0, -1);
    const seen = new Set<string>();
    return raw.flatMap((r) => {
      const parsed = NotificationItem.safeParse(JSON.parse(r));
      if (!parsed.success || seen.has(`${parsed.data.id}:${parsed.data.step}`)) return [];
      seen.add(`${parsed.data.id}:${parsed.data.step}`);
      return [parsed.data];
    });
  }

  async dropTakenBundle(userId: string, channel: string, slot: string, ttlMs: number): Promise<void> {
    // Kept a while, so that a late retry of the bundle job finds the same items rather than none.
    await this.#redis.pexpire(this.keys.bundleTaken(userId, channel, slot), Math.max(1000, ttlMs));
  }

  // --- contacts ---------------------------------------------------------------------------------

  async ownRules(userId: string): Promise<ContactStep[] | null> {
    const raw = await this.#redis.get(this.keys.contacts(userId));
    if (!raw) return null;
    const parsed = ContactRules.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /** The user registered for an address on a gateway through their own rules. */
  async userOfAddress(gatewayId: string, address: string): Promise<string | null> {
    return this.#redis.hget(this.keys.addresses(gatewayId), normaliseAddress(address));
  }

  /**
   * Replaces a user's own rules and their address index. An address another user registered is a
   * CONFLICT, and nothing changes.
   */
  async setOwnRules(userId: string, rules: ContactStep[], seeded: (gatewayId: string, address: string) => string | null): Promise<void> {
    const old = (await this.ownRules(userId)) ?? [];
    for (const [i, s] of rules.entries()) {
      if (s.channel !== 'gateway') continue;
      const holder = (await this.userOfAddress(s.gateway, s.address)) ?? seeded(s.gateway, s.address);
      if (holder !== null && holder !== userId) {
        throw new AppError(ErrorCode.CONFLICT, `address ${s.address} on gateway ${s.gateway} belongs to another user`, {
          details: { reason: 'address-taken', issues: [`steps[${i}].address: registered by another user on this gateway`] },
        });
      }
    }
    const tx = this.#redis.multi();
    for (const s of old) if (s.channel === 'gateway') tx.hdel(this.keys.addresses(s.gateway), normaliseAddress(s.address));
    for (const s of rules) if (s.channel === 'gateway') tx.hset(this.keys.addresses(s.gateway), normaliseAddress(s.address), userId);
    tx.set(this.keys.contacts(userId), JSON.stringify(rules));
    await tx.exec();
  }

  // --- push subscriptions -----------------------------------------------------------------------

  async addPush(userId: string, sub: StoredPushSubscription): Promise<void> {
    await this.#redis.hset(this.keys.push(userId), sub.id, JSON.stringify(sub));
  }

  async removePush(userId: string, id: string): Promise<boolean> {
    return (await this.#redis.hdel(this.keys.push(userId), id)) === 1;
  }

  async pushSubscriptions(userId: string): Promise<StoredPushSubscription[]> {
    const all = await this.#redis.hgetall(this.keys.push(userId));
    return Object.values(all).flatMap((r) => {
      const parsed = StoredPushSubscription.safeParse(JSON.parse(r));
      return parsed.success ? [parsed.data] : [];
    });
  }

  // --- replies ----------------------------------------------------------------------------------

  /** Claims a reply's messageId; false when it was seen before (a replay). */
  async claimReply(gatewayId: string, messageId: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.keys.reply(gatewayId, messageId), '1', 'PX', Math.max(1000, ttlMs), 'NX')) === 'OK';
  }

  async releaseReply(gatewayId: string, messageId: string): Promise<void> {
    await this.#redis.del(this.keys.reply(gatewayId, messageId));
  }
}
