import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './ports.js';
import { REDIS_HZ, waitForRedis } from './redis.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** A free port whose cluster bus port (+10000) is free and in range too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 55_000) return p;
  }
}

export interface RedisClusterProcess {
  readonly ports: number[];
  /** "127.0.0.1:p1,127.0.0.1:p2,…" for REDIS_CLUSTER_NODES */
  readonly nodes: string;
  client(): Cluster;
  stop(): Promise<void>;
}

/** A real Redis Cluster of `masters` redis-server processes (no replicas), created with redis-cli. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await clusterPort());
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', '3000', '--dir', dir, '--save', '', '--appendonly', 'no', '--hz', String(REDIS_HZ), '--logfile', path.join(dir, `${port}.log`)],
      { stdio: 'ignore' },
    ),
  );
  for (const port of ports) await waitForRedis(port);
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  for (const port of ports) {
    const c = new Redis({ port, host: '127.0.0.1' });
    await waitFor(async () => (await c.cluster('INFO')).includes('cluster_state:ok'), { timeout: 20_000, message: 'cluster did not become ok' });
    c.disconnect();
  }
  const clients: Cluster[] = [];
  writeFileSync(path.join(dir, 'ports'), ports.join(','));
  return {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    client() {
      const c = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              if (child.exitCode !== null) return resolve(undefined);
              child.once('exit', resolve);
              child.kill('SIGKILL');
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
