import { describe, expect, it } from 'vitest';
import { nodeEnv } from '../../scripts/bench/setup.js';

describe('BENCH_NODE_ENV: settings for the bench nodes', () => {
  it('takes HOTLINE_ names with their values, separated by spaces', () => {
    expect(nodeEnv('')).toEqual({});
    expect(nodeEnv(' HOTLINE_PING_INTERVAL=10000  HOTLINE_PING_TIMEOUT=10s ')).toEqual({ HOTLINE_PING_INTERVAL: '10000', HOTLINE_PING_TIMEOUT: '10s' });
  });

  it('refuses anything else, naming it', () => {
    expect(() => nodeEnv('REDIS_URL=redis://elsewhere')).toThrow(/BENCH_NODE_ENV: "REDIS_URL=redis:\/\/elsewhere" is not HOTLINE_NAME=value/);
    expect(() => nodeEnv('HOTLINE_PING_INTERVAL')).toThrow(/is not HOTLINE_NAME=value/);
  });
});
