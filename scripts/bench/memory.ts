/**
 * Memory: resident set size per idle connected console, on a fresh server node, beside a fresh bare
 * Socket.IO node with the same number of idle connections. RSS is sampled (median of several) before
 * and after the consoles connect and have settled.
 */
import { io, type Socket } from 'socket.io-client';
import type { SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { startServer } from '../../test/helpers/server.js';
import { median } from '../lib/stats.js';
import { rssOf, spawnBench } from './procs.js';
import type { BenchCluster } from './setup.js';

export interface MemorySide {
  consoles: number;
  baseRss: number;
  loadedRss: number;
  /** bytes per connected console */
  perConsole: number;
}

export interface MemoryResult {
  full: MemorySide;
  bare: MemorySide;
  ratio: number;
}

const until = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sampleRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    samples.push(await rssOf(pid));
    await until(150);
  }
  return median(samples);
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
  // (startServer waits for the 'listening' line, logged at info.)
  const node = await startServer({ redisUrl: cluster.redis.url, topology: topo.file, env: { LOG_LEVEL: 'info' } });
  cluster.extra.push(node);
  const bare = await spawnBench('scripts/bench/bare-server.ts', { REDIS_URL: cluster.redis.url });
  cluster.extra.push(bare);

  // full: SDK consoles, as an operator's browser would hold them (rooms, presence, sync, inbox).
  await until(o.settleMs);
  const fullBase = await sampleRss(node.pid!);
  o.log(`memory (full): connecting ${o.consoles} idle consoles to a fresh node (RSS ${(fullBase / 2 ** 20).toFixed(1)} MiB)`);
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
  const fullLoaded = await sampleRss(node.pid!);
  for (const c of clients) c.close();

  // bare: the same number of idle Socket.IO connections, one room each.
  const bareBase = await sampleRss(bare.pid);
  o.log(`memory (bare): connecting ${o.consoles} idle sockets to a fresh bare node (RSS ${(bareBase / 2 ** 20).toFixed(1)} MiB)`);
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
  const bareLoaded = await sampleRss(bare.pid);
  for (const s of sockets) s.disconnect();
  await Promise.allSettled([node.kill(), bare.kill()]);

  const full: MemorySide = { consoles: o.consoles, baseRss: fullBase, loadedRss: fullLoaded, perConsole: Math.round((fullLoaded - fullBase) / o.consoles) };
  const b: MemorySide = { consoles: o.consoles, baseRss: bareBase, loadedRss: bareLoaded, perConsole: Math.round((bareLoaded - bareBase) / o.consoles) };
  return { full, bare: b, ratio: b.perConsole > 0 ? full.perConsole / b.perConsole : Infinity };
}
