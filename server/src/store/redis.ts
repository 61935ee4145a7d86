import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

export type RedisClient = Redis;

/**
 * Opens a Redis connection with an error listener attached (an unhandled 'error' would crash the process)
 * and connection state logged once per change.
 */
export function createRedis(url: string, log: Logger, name: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    connectionName: name,
    // Fail a command after a few reconnect attempts rather than hold it forever: callers (and the SDK's
    // retries under the same ids) decide what to do, and nothing half-done is left behind.
    maxRetriesPerRequest: 5,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    ...options,
  });
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
