/**
 * Memory: resident set size per idle connected console, on a fresh server node, beside a fresh bare
 * Socket.IO node with the same number of idle connections. Both processes collect their garbage before
 * each measurement (bench instrumentation, gc-on-signal.ts), so RSS compares live data; RSS is then the
 * median of several samples. The V8 heap in use is reported too, a finer view of the same.
 */
import { io, type Socket } from 'socket.io-client';
import type { SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { TEST_SECRET } from '../../test/helpers/server.js';
import { median } from '../lib/stats.js';
import { collectGarbage, rssOf, spawnBench, type BenchProcess } from './procs.js';
import type { BenchCluster } from './setup.js';

export interface MemorySide {
  consoles: number;
  baseRss: number;
  loadedRss: number;
  /** RSS bytes per connected console */
  perConsole: number;
  /** V8 heap in use per connected console, bytes */
  heapPerConsole: number;
}

export interface MemoryResult {
  full: MemorySide;
  bare: MemorySide;
  /** full / bare, RSS per console */
  ratio: number;
  /** full / bare, heap per console */
  heapRatio: number;
}

const until = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(p: BenchProcess): Promise<{ rss: number; heap: number }> {
  const { heapUsed } = await collectGarbage(p);
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    samples.push(await rssOf(p.pid));
    await until(100);
  }
  return { rss: median(samples), heap: heapUsed };
}

async function inBatches(tasks: (() => Promise<unknown>)[], n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

export async function memoryBench(cluster: BenchCluster, o: { consoles: number; settleMs: number; log: (line: string) => void }): Promise<MemoryResult> {
  const { topo, signer } = cluster;
  const node = await spawnBench(
    'server/src/main.ts',
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      REDIS_URL: cluster.redis.url,
      HOTLINE_TOPOLOGY: topo.file,
      HOTLINE_TOKEN_SECRET: TEST_SECRET,
      HOTLINE_CONSOLE_DIR: '',
      HOTLINE_NODE_ID: `bench-memory-${process.pid}`,
      LOG_LEVEL: 'info',
    },
    true,
    true,
  );
  cluster.extra.push(node);
  const bare = await spawnBench('scripts/bench/bare-server.ts', { REDIS_URL: cluster.redis.url }, true, true);
  cluster.extra.push(bare);

  // full: SDK consoles, as an operator's browser holds them (rooms, presence, sync, inbox).
  await until(o.settleMs);
  const fullBase = await measure(node);
  o.log(`memory (full): connecting ${o.consoles} idle consoles to a fresh node (RSS ${(fullBase.rss / 2 ** 20).toFixed(1)} MiB)`);
  const clients: HotlineClient[] = [];
  await inBatches(
    Array.from({ length: o.consoles }, (_, i) => async () => {
      const p = topo.pair(i % topo.pairs);
      const side = Math.floor(i / topo.pairs) % 2 === 0 ? p.a : p.b;
      const c = new HotlineClient({
        url: node.url,
        token: signer.issue({ id: side.user, role: 'operator' }).token,
        user: { id: side.user, name: side.user, role: 'operator', side: side.post[0]!, post: side.post, supervisor: false, sectors: [], joint: false, drillOfficer: false } satisfies SessionUser,
        links: [p.linkId],
        deliveredReceipts: false,
        healthCheckMs: 0,
        socket: { transports: ['websocket'] },
      });
      clients.push(c);
      await c.connect();
    }),
    20,
  );
  await until(o.settleMs);
  const fullLoaded = await measure(node);
  for (const c of clients) c.close();

  // bare: the same number of idle Socket.IO connections, one room each.
  const bareBase = await measure(bare);
  o.log(`memory (bare): connecting ${o.consoles} idle sockets to a fresh bare node (RSS ${(bareBase.rss / 2 ** 20).toFixed(1)} MiB)`);
  const sockets: Socket[] = [];
  await inBatches(
    Array.from({ length: o.consoles }, (_, i) => () => {
      const s = io(bare.url, { auth: { room: `p-${i % topo.pairs}` }, transports: ['websocket'], forceNew: true });
      sockets.push(s);
      return new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
    }),
    20,
  );
  await until(o.settleMs);
  const bareLoaded = await measure(bare);
  for (const s of sockets) s.disconnect();
  await Promise.allSettled([node.kill(), bare.kill()]);

  const side = (base: { rss: number; heap: number }, loaded: { rss: number; heap: number }): MemorySide => ({
    consoles: o.consoles,
    baseRss: base.rss,
    loadedRss: loaded.rss,
    perConsole: Math.round((loaded.rss - base.rss) / o.consoles),
    heapPerConsole: Math.round((loaded.heap - base.heap) / o.consoles),
  });
  const full = side(fullBase, fullLoaded);
  const b = side(bareBase, bareLoaded);
  return {
    full,
    bare: b,
    ratio: b.perConsole > 0 ? full.perConsole / b.perConsole : Infinity,
    heapRatio: b.heapPerConsole > 0 ? full.heapPerConsole / b.heapPerConsole : Infinity,
  };
}
