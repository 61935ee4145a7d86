/**
 * Reconnect storm: `consoles` SDK consoles on node A (behind a TCP load balancer), node A killed with
 * SIGKILL, the load balancer sends them to node B. While they come back, a writer on node B sends one
 * message on every link. Measured: time from the kill until every console is live again (connected and
 * synced), and until every console has the message sent during the outage (caught up); node B's and
 * Redis's peak CPU (per 250 ms) and node B's peak RSS; handshakes node B shed (retryable UNAVAILABLE);
 * messages lost (not delivered to a console) or delivered twice. Bare baseline: as many plain Socket.IO
 * sockets on a bare node that is killed the same way; time until all are connected to the other.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Entry, SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { startServer } from '../../test/helpers/server.js';
import { startProxy } from '../../test/helpers/tcp-proxy.js';
import { cpuTimeOf, rssOf, spawnBench } from './procs.js';
import type { BenchCluster } from './setup.js';

export interface StormResult {
  consoles: number;
  full: {
    /** ms from the kill until every console was connected and had synced again */
    allLiveMs: number | null;
    /** ms from the kill until every console had the message sent during the outage */
    allCaughtUpMs: number | null;
    /** peak CPU of the surviving node and of Redis, % of one core, over 250 ms samples */
    peakCpuPercent: { node: number; redis: number };
    /** peak RSS of the surviving node, bytes, and its RSS before the storm */
    peakRss: number;
    rssBefore: number;
    shedHandshakes: number;
    /** outbox items refused for good, and consoles that did not come back in time */
    errors: number;
    lost: number;
    duplicates: number;
  };
  bare: { allConnectedMs: number | null };
}

const until = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inBatches(tasks: (() => Promise<unknown>)[], n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await until(20);
  }
  return true;
}

export async function stormBench(cluster: BenchCluster, o: { consoles: number; timeoutMs: number; log: (line: string) => void }): Promise<StormResult> {
  const { topo, signer, redis } = cluster;
  const nodeA = await startServer({ redisUrl: redis.url, topology: topo.file, env: {} });
  const nodeB = await startServer({ redisUrl: redis.url, topology: topo.file, env: {} });
  cluster.extra.push(nodeA, nodeB);
  const lb = await startProxy([nodeA.port]);
  const user = (id: string, post: string): SessionUser => ({ id, name: id, role: 'operator', side: post[0]!, post, supervisor: false, sectors: [], joint: false, drillOfficer: false });
  const make = (url: string, id: string, post: string, linkId: string) =>
    new HotlineClient({
      url,
      token: signer.issue({ id, role: 'operator' }).token,
      user: user(id, post),
      links: [linkId],
      deliveredReceipts: false,
      healthCheckMs: 0,
      ackTimeoutMs: 30_000,
      socket: { transports: ['websocket'] },
    });

  o.log(`storm: connecting ${o.consoles} consoles to node A`);
  const consoles: { client: HotlineClient; linkId: string; seen: Map<number, number>; synced: number }[] = [];
  let errors = 0;
  await inBatches(
    Array.from({ length: o.consoles }, (_, i) => async () => {
      const p = topo.pair(i % topo.pairs);
      const side = Math.floor(i / topo.pairs) % 2 === 0 ? p.a : p.b;
      const client = make(lb.url, side.user, side.post, p.linkId);
      const c = { client, linkId: p.linkId, seen: new Map<number, number>(), synced: 0 };
      client.on('entry', (e: Entry) => c.seen.set(e.seq, (c.seen.get(e.seq) ?? 0) + 1));
      client.on('synced', () => c.synced++);
      client.on('failed', () => errors++);
      consoles.push(c);
      await client.connect();
    }),
    20,
  );
  // One writer per link, on node B, for the message sent during the outage.
  const writers = await Promise.all(
    Array.from({ length: topo.pairs }, async (_, i) => {
      const p = topo.pair(i);
      const w = make(nodeB.url, p.a.user, p.a.post, p.linkId);
      await w.connect();
      return w;
    }),
  );
  await until(1000);
  const rssBefore = await rssOf(nodeB.pid!);
  for (const c of consoles) c.synced = 0;

  // --- the storm ----------------------------------------------------------------------------------
  let peakNode = 0;
  let peakRedis = 0;
  let peakRss = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    let last = { t: performance.now(), node: cpuTimeOf(nodeB.pid!), redis: cpuTimeOf(cluster.redisPid) };
    while (sampling) {
      await until(250);
      const now = { t: performance.now(), node: cpuTimeOf(nodeB.pid!), redis: cpuTimeOf(cluster.redisPid) };
      const dt = now.t - last.t;
      peakNode = Math.max(peakNode, (100 * (now.node - last.node)) / dt);
      peakRedis = Math.max(peakRedis, (100 * (now.redis - last.redis)) / dt);
      peakRss = Math.max(peakRss, await rssOf(nodeB.pid!).catch(() => 0));
      last = now;
    }
  })();
  o.log(`storm: SIGKILL to node A; its ${o.consoles} consoles reconnect to node B`);
  const t0 = performance.now();
  await nodeA.kill();
  lb.setBackends([nodeB.port]);
  const sent = new Map<string, number>();
  await Promise.all(
    writers.map(async (w, i) => {
      const { entry } = await w.send(topo.pair(i).linkId, `storm ${i}`);
      sent.set(topo.pair(i).linkId, entry.seq);
    }),
  );
  const live = () => consoles.every((c) => c.client.status === 'connected' && c.synced > 0);
  const caughtUp = () => consoles.every((c) => c.seen.has(sent.get(c.linkId)!));
  let allLiveMs: number | null = null;
  let allCaughtUpMs: number | null = null;
  await waitUntil(() => {
    const t = performance.now() - t0;
    if (allLiveMs === null && live()) allLiveMs = Math.round(t);
    if (allCaughtUpMs === null && caughtUp()) allCaughtUpMs = Math.round(t);
    return allLiveMs !== null && allCaughtUpMs !== null;
  }, o.timeoutMs);
  sampling = false;
  await sampler;
  const metrics = await (await fetch(`${nodeB.url}/metrics`)).text();
  const shed = Number(/hotline_requests_rejected_total\{code="UNAVAILABLE",source="handshake"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
  let lost = 0;
  let duplicates = 0;
  for (const c of consoles) {
    if (!c.seen.has(sent.get(c.linkId)!)) lost++;
    for (const n of c.seen.values()) if (n > 1) duplicates += n - 1;
  }
  const notBack = consoles.filter((c) => c.client.status !== 'connected').length;
  o.log(`storm (full): all live after ${allLiveMs ?? '–'} ms, caught up after ${allCaughtUpMs ?? '–'} ms; ${shed} handshakes shed; peak CPU node ${peakNode.toFixed(0)} %, Redis ${peakRedis.toFixed(0)} %`);
  for (const c of consoles) c.client.close();
  for (const w of writers) w.close();
  await nodeB.kill();
  await lb.close();

  // --- bare: plain sockets on a bare node, killed the same way -----------------------------------
  const bareA = await spawnBench('scripts/bench/bare-server.ts', { REDIS_URL: redis.url });
  const bareB = await spawnBench('scripts/bench/bare-server.ts', { REDIS_URL: redis.url });
  cluster.extra.push(bareA, bareB);
  const bareLb = await startProxy([bareA.port]);
  const sockets: Socket[] = [];
  await inBatches(
    Array.from({ length: o.consoles }, (_, i) => () => {
      const s = io(bareLb.url, { auth: { room: `p-${i % topo.pairs}` }, transports: ['websocket'], forceNew: true });
      sockets.push(s);
      return new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
    }),
    20,
  );
  const b0 = performance.now();
  await bareA.kill();
  bareLb.setBackends([bareB.port]);
  await waitUntil(() => sockets.every((s) => !s.connected), 10_000);
  let allConnectedMs: number | null = null;
  if (await waitUntil(() => sockets.every((s) => s.connected), o.timeoutMs)) allConnectedMs = Math.round(performance.now() - b0);
  o.log(`storm (bare): all reconnected after ${allConnectedMs ?? '–'} ms`);
  for (const s of sockets) s.disconnect();
  await Promise.allSettled([bareB.kill(), bareLb.close()]);

  return {
    consoles: o.consoles,
    full: {
      allLiveMs,
      allCaughtUpMs,
      peakCpuPercent: { node: Math.round(peakNode), redis: Math.round(peakRedis) },
      peakRss,
      rssBefore,
      shedHandshakes: shed,
      errors: errors + notBack,
      lost,
      duplicates,
    },
    bare: { allConnectedMs },
  };
}
