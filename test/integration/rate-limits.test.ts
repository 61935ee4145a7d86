import { describe, expect, it } from 'vitest';
import { Keys } from '../../server/src/store/keys.js';
import { BatchedRateLimiter } from '../../server/src/store/rate-limits.js';
import { redisForSuite } from '../helpers/redis-suite.js';

/** Event rate limits counted on each node and shared through Redis, as two nodes do. */
describe('batched rate limits shared by two nodes', () => {
  const { conn } = redisForSuite();

  it('each node learns the total of both at every flush and refuses past the limit', async () => {
    const keys = new Keys('rl1');
    const a = new BatchedRateLimiter(conn(), keys);
    const b = new BatchedRateLimiter(conn(), keys);
    const limit = { max: 10, windowMs: 3_600_000 };
    const now = Date.now();
    for (let i = 0; i < 6; i++) expect(a.hit('user:u1', limit, now)).toBe(0);
    for (let i = 0; i < 6; i++) expect(b.hit('user:u1', limit, now)).toBe(0); // neither knows the other yet
    await a.flush(); // adds 6, learns 6
    await b.flush(); // adds 6, learns 12
    const wait = b.hit('user:u1', limit, now);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(limit.windowMs);
    // a learns the total the next time it has something to add: one more admitted, then refused.
    expect(a.hit('user:u1', limit, now)).toBe(0);
    await a.flush();
    expect(a.hit('user:u1', limit, now)).toBeGreaterThan(0);
    const key = keys.rateLimit('user:u1', Math.floor(now / limit.windowMs));
    expect(Number(await conn().get(key))).toBe(13);
    expect(await conn().pttl(key)).toBeGreaterThan(0);
  });

  it('adds hundreds of counters in a few script calls, each with its own count and expiry', async () => {
    const keys = new Keys('rl2');
    const client = conn();
    const a = new BatchedRateLimiter(client, keys);
    const b = new BatchedRateLimiter(conn(), keys);
    const now = Date.now();
    const perUser = { max: 5, windowMs: 10_000 };
    const perPost = { max: 1000, windowMs: 60_000 };
    for (let i = 0; i < 450; i++) {
      a.hit(`user:u${i}`, perUser, now);
      b.hit(`user:u${i}`, perUser, now);
      b.hit(`user:u${i}`, perUser, now);
      a.hit(`post:p${i % 7}`, perPost, now);
    }
    const before = await client.info('commandstats');
    const calls = (info: string) => Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
    await Promise.all([a.flush(), b.flush()]);
    const after = await client.info('commandstats');
    // 457 counters on a, 450 on b: chunks of 200 → 3 calls each (plus the first load of the script).
    expect(calls(after) - calls(before)).toBeLessThanOrEqual(8);
    const userKey = (i: number) => keys.rateLimit(`user:u${i}`, Math.floor(now / perUser.windowMs));
    const values = await client.mget(Array.from({ length: 450 }, (_, i) => userKey(i)));
    expect(values.every((v) => v === '3')).toBe(true);
    expect(await client.get(keys.rateLimit('post:p0', Math.floor(now / perPost.windowMs)))).toBe(String(Math.ceil(450 / 7)));
    const ttl = await client.pttl(userKey(449));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(perUser.windowMs);
    expect(await client.pttl(keys.rateLimit('post:p6', Math.floor(now / perPost.windowMs)))).toBeGreaterThan(perUser.windowMs);
  });

  it('keeps counting locally while Redis is unreachable and adds it later', async () => {
    const keys = new Keys('rl3');
    const client = conn({ lazyConnect: true, enableOfflineQueue: false });
    const a = new BatchedRateLimiter(client, keys);
    const now = Date.now();
    const limit = { max: 100, windowMs: 60_000 };
    for (let i = 0; i < 3; i++) a.hit('user:offline', limit, now);
    const check = conn();
    const key = keys.rateLimit('user:offline', Math.floor(now / limit.windowMs));
    await a.flush(); // not connected yet: the call fails, the counts stay pending
    expect(await check.exists(key)).toBe(0);
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    a.hit('user:offline', limit, now);
    await a.flush();
    expect(await check.get(key)).toBe('4');
  });
});
