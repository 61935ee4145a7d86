import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

/** A command connection: one Redis (direct or through Sentinel) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Where Redis is, from configuration. */
export type RedisTarget =
  | { mode: 'single'; url: string }
  | { mode: 'sentinel'; sentinels: { host: string; port: number }[]; name: string; password?: string | undefined }
  | { mode: 'cluster'; nodes: { host: string; port: number }[]; password?: string | undefined };

export function parseHostPorts(list: string): { host: string; port: number }[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const i = s.lastIndexOf(':');
      return { host: i > 0 ? s.slice(0, i) : s, port: i > 0 ? Number(s.slice(i + 1)) : 6379 };
    });
}

/**
 * Opens a Redis connection in the configured mode, with an error listener attached (an unhandled
 * 'error' would crash the process) and state changes logged once. Auto-pipelining batches the commands
 * issued in one tick, per node, so concurrent reads across links cost one round trip.
 */
export function createRedis(target: RedisTarget, log: Logger, name: string, options: RedisOptions = {}): RedisClient {
  const base: RedisOptions = {
    connectionName: name,
    // Fail a command after a few reconnect attempts rather than hold it forever: callers (and the SDK's
    // retries under the same ids) decide what to do, and nothing half-done is left behind.
    maxRetriesPerRequest: 5,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    enableAutoPipelining: true,
    ...options,
  };
  let client: RedisClient;
  switch (target.mode) {
    case 'single':
      client = new Redis(target.url, base);
      break;
    case 'sentinel':
      client = new Redis({ ...base, sentinels: target.sentinels, name: target.name, ...(target.password ? { password: target.password } : {}) });
      break;
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        redisOptions: { ...base, ...(target.password ? { password: target.password } : {}) },
        enableAutoPipelining: base.enableAutoPipelining ?? true,
        shardedSubscribers: true,
        clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
        ...(base.maxRetriesPerRequest === null ? { maxRedirections: 64 } : {}),
      };
      client = new Cluster(target.nodes, clusterOptions);
      break;
    }
  }
  let lastError = '';
  client.on('error', (err: Error) => {
    if (err.message !== lastError) log.warn({ err, connection: name }, 'redis connection error');
    lastError = err.message;
  });
  client.on('ready', () => {
    if (lastError) log.info({ connection: name }, 'redis connection restored');
    lastError = '';
  });
  return client;
}
