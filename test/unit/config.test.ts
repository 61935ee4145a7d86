import { describe, expect, it } from 'vitest';
import { DEMO_TOKEN_SECRET, loadConfig, redisTarget } from '../../server/src/config.js';

describe('configuration from the environment', () => {
  it('has safe demo defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.HOTLINE_TOKEN_SECRET).toBe(DEMO_TOKEN_SECRET);
    expect(redisTarget(c)).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' });
  });

  it('refuses to start in production with demo or short secrets, or without the server key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/HOTLINE_TOKEN_SECRET: production mode needs a secret/);
    expect(() => loadConfig({ NODE_ENV: 'production', HOTLINE_TOKEN_SECRET: 'short-but-16-chars' })).toThrow(/HOTLINE_TOKEN_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', HOTLINE_TOKEN_SECRET: 'x'.repeat(40) })).toThrow(/HOTLINE_SERVER_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', HOTLINE_TOKEN_SECRET: 'x'.repeat(40), HOTLINE_SERVER_KEY: 'pem' }).NODE_ENV).toBe('production');
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ HOTLINE_RATE_USER: 'lots' })).toThrow(/HOTLINE_RATE_USER: bad rate limit "lots"/);
    expect(() => loadConfig({ HOTLINE_TOKEN_TTL: 'forever' })).toThrow(/HOTLINE_TOKEN_TTL/);
  });

  it('takes a duration with its unit or as a plain number of milliseconds (as an environment variable must give it)', () => {
    expect(loadConfig({ HOTLINE_PING_INTERVAL: '10000', HOTLINE_PING_TIMEOUT: '2.5s' })).toMatchObject({ HOTLINE_PING_INTERVAL: 10_000, HOTLINE_PING_TIMEOUT: 2_500 });
    expect(loadConfig({ HOTLINE_ESCALATION_LEAD: '0' }).HOTLINE_ESCALATION_LEAD).toBe(0);
    expect(() => loadConfig({ HOTLINE_PING_INTERVAL: '10 seconds' })).toThrow(/HOTLINE_PING_INTERVAL: must be a duration/);
    expect(() => loadConfig({ HOTLINE_PING_INTERVAL: '-5' })).toThrow(/HOTLINE_PING_INTERVAL/);
  });

  it('picks the Redis mode from the variables', () => {
    expect(redisTarget(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001' }))).toMatchObject({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
    });
    expect(redisTarget(loadConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'hotline' }))).toMatchObject({ mode: 'sentinel', name: 'hotline' });
  });
});
