import { readFileSync } from 'node:fs';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

const HIT_LUA = readFileSync(new URL('./lua/hitRateLimit-1.lua', import.meta.url), 'utf8');
const HIT_MANY_LUA = readFileSync(new URL('./lua/hitRateLimits-n.lua', import.meta.url), 'utf8');

interface HitCommand {
  hitRateLimit(key: string, windowMs: string, by?: string): Promise<[number, number]>;
}

interface HitManyCommand {
  /** numKeys, then the keys, then (windowMs, by) per key. */
  hitRateLimits(numKeys: number, ...keysAndArgs: string[]): Promise<number[]>;
}

/** Counters added by one script call at most (one round trip and one script run per flush and chunk). */
const FLUSH_CHUNK = 200;

/** A limit: at most `max` hits per `windowMs`. */
export interface Limit {
  max: number;
  windowMs: number;
}

/** "50/1s", "10/1m": count per duration. */
export function parseLimit(text: string): Limit {
  const m = /^(\d+)\s*\/\s*(\d*(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`bad rate limit "${text}" (expected e.g. "50/1s")`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[3] as 'ms' | 's' | 'm' | 'h'];
  return { max: Number(m[1]), windowMs: Math.round((m[2] === '' ? 1 : Number(m[2])) * unit) };
}

/**
 * Fixed-window counters in Redis, shared by every node. `hit` answers how long to wait when over.
 */
export class RedisRateLimits {
  readonly #redis: RedisClient & HitCommand;
  readonly #keys: Keys;

  constructor(redis: RedisClient, keys: Keys) {
    if (!('hitRateLimit' in redis)) redis.defineCommand('hitRateLimit', { lua: HIT_LUA, numberOfKeys: 1 });
    this.#redis = redis as RedisClient & HitCommand;
    this.#keys = keys;
  }

  /** Counts a hit on `subject`; returns 0 when allowed, else the ms until the window ends. */
  async hit(subject: string, limit: Limit): Promise<number> {
    const window = Math.floor(Date.now() / limit.windowMs);
    const [hits, ttl] = await this.#redis.hitRateLimit(this.#keys.rateLimit(subject, window), String(limit.windowMs));
    return hits > limit.max ? Math.max(1, ttl) : 0;
  }

  /** Failed logins of a username in the lock-out window; locks it after `max`. */
  async loginFailed(username: string, max: number, lockMs: number): Promise<void> {
    const hits = await this.hit(`login-fail:${username}`, { max: max - 1, windowMs: lockMs });
    if (hits > 0) await this.#redis.set(this.#keys.loginLock(username), '1', 'PX', lockMs);
  }

  /** ms left on a username's lock-out, or 0. */
  async loginLocked(username: string): Promise<number> {
    const ttl = await this.#redis.pttl(this.#keys.loginLock(username));
    return ttl > 0 ? ttl : 0;
  }

  /** Forgets the failures counted so far for a username. */
  async loginSucceeded(username: string, lockMs: number): Promise<void> {
    await this.#redis.del(this.#keys.rateLimit(`login-fail:${username}`, Math.floor(Date.now() / lockMs)));
  }
}

/**
 * Per-event rate limits without a Redis round trip per event. Each node counts locally and adds its
 * counts to the shared counter in Redis every `flushMs`, learning the total of every node in return. An
 * event is refused when the last known total plus this node's unflushed count reaches the limit; nodes
 * together may overshoot by what they admit within one flush interval, which is what a per-event
 * counter would cost in round trips on every send.
 */
export class BatchedRateLimiter {
  readonly #redis: RedisClient & HitManyCommand;
  readonly #keys: Keys;
  /** Counters per script call: many, or one on a Redis Cluster, whose keys lie in different slots. */
  readonly #chunk: number;
  readonly #state = new Map<string, { window: number; windowMs: number; pending: number; known: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushing: Promise<void> | undefined;

  constructor(redis: RedisClient, keys: Keys, readonly flushMs = 100) {
    if (!('hitRateLimits' in redis)) redis.defineCommand('hitRateLimits', { lua: HIT_MANY_LUA });
    this.#redis = redis as RedisClient & HitManyCommand;
    this.#keys = keys;
    this.#chunk = redis.isCluster ? 1 : FLUSH_CHUNK;
  }

  /** Counts one event on `subject`: 0 when allowed, else the ms until the window ends. */
  hit(subject: string, limit: Limit, now = Date.now()): number {
    const window = Math.floor(now / limit.windowMs);
    let s = this.#state.get(subject);
    if (!s || s.window !== window) {
      s = { window, windowMs: limit.windowMs, pending: 0, known: 0 };
      this.#state.set(subject, s);
    }
    if (s.known + s.pending >= limit.max) return Math.max(1, (window + 1) * limit.windowMs - now);
    s.pending++;
    return 0;
  }

  /** Adds this node's counts to the shared ones and learns their totals. */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      const now = Date.now();
      const batch: { key: string; s: { windowMs: number; pending: number; known: number }; by: number }[] = [];
      for (const [subject, s] of this.#state) {
        if (s.window < Math.floor(now / s.windowMs) - 1) {
          this.#state.delete(subject); // an old window: nothing more to learn
          continue;
        }
        const by = s.pending;
        if (by === 0) continue; // nothing admitted here since the last flush: nothing to add or decide
        s.pending = 0;
        batch.push({ key: this.#keys.rateLimit(subject, s.window), s, by });
      }
      const work: Promise<void>[] = [];
      for (let i = 0; i < batch.length; i += this.#chunk) {
        const chunk = batch.slice(i, i + this.#chunk);
        work.push(
          this.#redis.hitRateLimits(chunk.length, ...chunk.map((c) => c.key), ...chunk.flatMap((c) => [String(c.s.windowMs), String(c.by)])).then(
            (totals) => {
              chunk.forEach((c, j) => {
                c.s.known = Math.max(c.s.known, Number(totals[j] ?? 0));
              });
            },
            () => {
              for (const c of chunk) c.s.pending += c.by; // Redis unreachable: keep counting here, add it later
            },
          ),
        );
      }
      await Promise.all(work);
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
