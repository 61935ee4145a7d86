import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/**
 * Polls a redis-server (or sentinel) on `port` until `check` passes on a fresh connection: it may not
 * listen yet, or answer LOADING while it reads its AOF.
 */
export async function waitForRedis(
  port: number,
  check: (probe: Redis) => Promise<boolean> = async (probe) => (await probe.ping()) === 'PONG',
  timeout = 15_000,
): Promise<void> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await waitFor(
      async () => {
        if (probe.status !== 'ready') {
          probe.disconnect();
          await probe.connect();
        }
        return check(probe);
      },
      { timeout, message: `redis on ${port} did not get ready` },
    );
  } finally {
    probe.disconnect();
  }
}

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** A command connection for assertions (closed by stop()). */
  client(): Redis;
  /** Starts it again on the same port and data folder (after kill/stop). */
  start(): Promise<void>;
  /** SIGKILL: nothing flushed beyond what AOF already wrote. */
  kill(): Promise<void>;
  /** Graceful SHUTDOWN (no RDB save). */
  shutdown(): Promise<void>;
  /** Stops and deletes the data folder. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Redis's timer frequency for every redis-server the project starts (npm start, docker-compose, tests,
 * bench). The default, 10, resolves blocking-command timeouts (and so BullMQ's delayed jobs, which wait
 * in BZPOPMIN until the next is due) to about 100 ms; 100 brings that to about 10 ms for a little more
 * idle CPU (see docs/benchmarks.md).
 */
export const REDIS_HZ = 100;

/**
 * A private redis-server on a free port with its own data folder. `aof: true` turns on
 * appendonly with fsync on every write, for durability tests.
 */
export async function startRedis(options: { aof?: boolean; hz?: number; extraArgs?: string[] } = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-redis-'));
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];

  const start = async () => {
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', options.aof ? 'yes' : 'no',
      '--appendfsync', 'always',
      '--daemonize', 'no',
      '--logfile', path.join(dir, 'redis.log'),
      // As every Redis the project starts: timers (blocking-command timeouts, BullMQ's delayed jobs)
      // resolve within 10 ms instead of the default 100 ms.
      '--hz', String(options.hz ?? REDIS_HZ),
      ...(options.extraArgs ?? []),
    ];
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForRedis(port);
  };

  const waitExit = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise((resolve) => c.once('exit', resolve));
  };

  await start();
  const proc: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 3 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    start,
    async kill() {
      child?.kill('SIGKILL');
      await waitExit();
    },
    async shutdown() {
      child?.kill('SIGTERM');
      await waitExit();
    },
    async stop() {
      for (const c of clients) c.disconnect();
      child?.kill('SIGKILL');
      await waitExit();
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return proc.stop();
    },
  };
  return proc;
}
