import { afterAll, beforeAll } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import { startRedis, type RedisProcess } from './redis.js';

/**
 * A redis-server of the enclosing describe block's own, started before its tests and stopped after,
 * and `conn()` for connections to it that are closed with it.
 */
export function redisForSuite(): { readonly url: string; conn(options?: RedisOptions): Redis } {
  let redis: RedisProcess | undefined;
  const conns: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of conns) c.disconnect();
    await redis?.stop();
  });
  const url = () => {
    if (!redis) throw new Error('redis is not started yet (use it inside a test)');
    return redis.url;
  };
  return {
    get url() {
      return url();
    },
    conn(options = {}) {
      const c = new Redis(url(), options);
      conns.push(c);
      return c;
    },
  };
}
