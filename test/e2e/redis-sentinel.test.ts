import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, waitForRedis, type RedisProcess } from '../helpers/redis.js';
import { startServer, type ServerProcess } from '../helpers/server.js';
import { makeTopology } from '../helpers/topology.js';
import { keys } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';

let master: RedisProcess;
let sentinel: ChildProcess;
const nodes: ServerProcess[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  master = await startRedis({ aof: true });
  const port = await freePort();
  const conf = path.join(master.dir, 'sentinel.conf');
  writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${master.dir}`, `sentinel monitor hotline 127.0.0.1 ${master.port} 1`, 'sentinel down-after-milliseconds hotline 2000', ''].join('\n'));
  sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  await waitForRedis(port, async (probe) => {
    const addr = (await probe.call('SENTINEL', 'get-master-addr-by-name', 'hotline')) as string[] | null;
    return addr?.[1] === String(master.port);
  });
  const { file } = await makeTopology();
  for (let i = 0; i < 2; i++) {
    nodes.push(await startServer({ redisUrl: 'redis://unused:1', topology: file, env: { REDIS_SENTINELS: `127.0.0.1:${port}`, REDIS_SENTINEL_NAME: 'hotline' } }));
  }
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.allSettled(nodes.map((n) => n.kill()));
  sentinel?.kill('SIGKILL');
  await master?.stop();
});

describe('through Redis Sentinel', () => {
  it('finds the master through the sentinel and serves two nodes as with one Redis', async () => {
    const a = await connectClient(nodes[0]!.url, 'op-a1');
    const b = await connectClient(nodes[1]!.url, 'op-b1');
    clients.push(a, b);
    await a.send('l1', 'via sentinel');
    await waitFor(() => b.entries.some((e) => e.type === 'message' && e.payload.text === 'via sentinel'));
    expect(await master.client().exists(keys.log('l1'))).toBe(1);
    expect((await fetch(`${nodes[0]!.url}/readyz`)).status).toBe(200);
  });
});
