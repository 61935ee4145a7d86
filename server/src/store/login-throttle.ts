import type { Keys } from './keys.js';
import type { Limit } from './rate-limits.js';
import type { RedisClient } from './redis.js';

/** How failed logins slow down the next attempt. */
export interface LoginThrottlePolicy {
  /** Failures of one username from one address before attempts are delayed. */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  baseDelayMs: number;
  /** The longest delay. */
  maxDelayMs: number;
  /** A username and address pair is forgotten this long after its last failure. */
  forgetAfterMs: number;
  /** Failed logins from one address, whatever the username (a flood of guesses over many names). */
  perAddress: Limit;
}

/** A pair's failures as the admin sees them. */
export interface LoginFailure {
  username: string;
  address: string;
  count: number;
  last: number;
  /** ms until its next attempt is accepted (0: now). */
  waitMs: number;
}

/**
 * Login throttling without a lock-out (OWASP authentication guidance): failures are counted per
 * username AND client address, so guesses from elsewhere never stop the real user at their own console;
 * past a few failures each further attempt of that pair waits a delay that doubles with every failure.
 * Failures from one address across all usernames have their own limit. Shared by every node.
 */
export class RedisLoginThrottle {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
    readonly policy: LoginThrottlePolicy,
  ) {}

  #pair(username: string, address: string): string {
    return `${this.keys.prefix}:login-pair:{login:${username}}:${address}`;
  }

  #addressKey(address: string, now: number): string {
    return this.keys.rateLimit(`login-fail-ip:${address}`, Math.floor(now / this.policy.perAddress.windowMs));
  }

  delayFor(count: number): number {
    const over = count - this.policy.freeFailures;
    if (over < 0) return 0;
    return Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** Math.min(over, 30));
  }

  /** ms to wait before this attempt may be checked, and why (0: go ahead). */
  async wait(username: string, address: string, now = Date.now()): Promise<{ waitMs: number; scope: 'pair' | 'address' | null }> {
    const [pair, fromAddress] = await Promise.all([this.redis.hmget(this.#pair(username, address), 'count', 'last'), this.redis.get(this.#addressKey(address, now))]);
    if (Number(fromAddress ?? 0) >= this.policy.perAddress.max) {
      const windowMs = this.policy.perAddress.windowMs;
      return { waitMs: Math.max(1, (Math.floor(now / windowMs) + 1) * windowMs - now), scope: 'address' };
    }
    const count = Number(pair[0] ?? 0);
    const last = Number(pair[1] ?? 0);
    const waitMs = last + this.delayFor(count) - now;
    return waitMs > 0 && count >= this.policy.freeFailures ? { waitMs, scope: 'pair' } : { waitMs: 0, scope: null };
  }

  /** Counts a failure of the pair and of the address. Returns the pair's failures so far. */
  async failed(username: string, address: string, now = Date.now()): Promise<number> {
    const pair = this.#pair(username, address);
    const addressKey = this.#addressKey(address, now);
    const reply = await this.redis
      .multi()
      .hincrby(pair, 'count', 1)
      .hset(pair, 'last', String(now))
      .pexpire(pair, this.policy.forgetAfterMs)
      .incr(addressKey)
      .pexpire(addressKey, this.policy.perAddress.windowMs)
      .exec();
    const count = Number(reply?.[0]?.[1] ?? 1);
    // The admin's view of repeated failures (bounded: the oldest go first).
    const list = this.keys.loginFailures();
    await this.redis.hset(list, `${username}|${address}`, JSON.stringify({ count, last: now }));
    if ((await this.redis.hlen(list)) > 2000) await this.#trim(list);
    return count;
  }

  async #trim(list: string): Promise<void> {
    const all = Object.entries(await this.redis.hgetall(list)).map(([k, v]) => ({ k, last: (JSON.parse(v) as { last: number }).last }));
    all.sort((a, b) => a.last - b.last);
    const drop = all.slice(0, all.length - 1000).map((x) => x.k);
    if (drop.length > 0) await this.redis.hdel(list, ...drop);
  }

  /** The right password: the pair's failures are forgotten (the address's are not). */
  async succeeded(username: string, address: string): Promise<void> {
    await Promise.all([this.redis.del(this.#pair(username, address)), this.redis.hdel(this.keys.loginFailures(), `${username}|${address}`)]);
  }

  /** Pairs with failures not yet forgotten, most recent first. */
  async failures(now = Date.now()): Promise<LoginFailure[]> {
    const out: LoginFailure[] = [];
    for (const [field, raw] of Object.entries(await this.redis.hgetall(this.keys.loginFailures()))) {
      const { count, last } = JSON.parse(raw) as { count: number; last: number };
      if (last + this.policy.forgetAfterMs < now) continue;
      const bar = field.indexOf('|');
      out.push({ username: field.slice(0, bar), address: field.slice(bar + 1), count, last, waitMs: Math.max(0, count >= this.policy.freeFailures ? last + this.delayFor(count) - now : 0) });
    }
    return out.sort((a, b) => b.last - a.last);
  }
}
