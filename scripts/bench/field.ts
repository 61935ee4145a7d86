/**
 * Field scale: a generated topology of `posts` posts (posts / 2 links, ten sectors per side with a
 * commander each, a joint command, monitors), `consoles` SDK consoles spread over two nodes (each post's
 * operator, several consoles per post when there are more consoles than posts), `entries` messages on
 * every link. Measured: RSS per node before and after the consoles connect (per console); the time a
 * joint-command and a monitor console, which read every link, take to become usable (connected and
 * synced) from cold, and again after a reconnect with their cursors kept.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SessionUser, TopologyInput } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { startServer } from '../../test/helpers/server.js';
import { testPasswordHash } from '../../test/helpers/topology.js';
import { rssOf } from './procs.js';
import type { BenchCluster } from './setup.js';

export interface FieldResult {
  posts: number;
  links: number;
  consoles: number;
  entriesPerLink: number;
  rss: { before: [number, number]; after: [number, number]; perConsole: number };
  joint: { coldMs: number; reconnectMs: number; entries: number };
  monitor: { coldMs: number; reconnectMs: number; entries: number };
}

async function fieldTopology(posts: number): Promise<{ file: string; links: number }> {
  const pw = await testPasswordHash();
  const pairs = Math.floor(posts / 2);
  const t: TopologyInput = {
    name: `field topology (${posts} posts)`,
    sides: [
      { id: 'a', name: 'Side A', languages: ['ur', 'en'] },
      { id: 'b', name: 'Side B', languages: ['ps', 'en'] },
    ],
    sectors: ['a', 'b'].flatMap((side) => Array.from({ length: 10 }, (_, i) => ({ id: `s${side}-${i}`, side, name: `Sector ${side}${i}` }))),
    posts: [],
    links: [],
    users: [],
    escalationPolicies: [{ id: 'slow', name: 'slow', onCounterpartOffline: 'wait', levels: [{ delay: '1h', targets: ['joint-command'] }] }],
    policySelection: { default: 'slow', drill: 'slow' },
    phrases: [],
  };
  for (let i = 0; i < pairs; i++) {
    for (const side of ['a', 'b']) {
      t.posts.push({ id: `${side}-${i}`, side, sector: `s${side}-${i % 10}`, name: `Post ${side}${i}`, location: { lat: 34 + (side === 'a' ? 0.05 : -0.05), lon: 60 + i * 0.02 } });
      t.users.push({ id: `op-${side}-${i}`, name: `Operator ${side}${i}`, role: 'operator', post: `${side}-${i}`, passwordHash: pw });
    }
    t.links.push({ id: `f-${i}`, name: `Link ${i}`, posts: [`a-${i}`, `b-${i}`] });
  }
  for (const side of ['a', 'b']) for (let s = 0; s < 10; s++) t.users.push({ id: `cmd-${side}-${s}`, name: `Commander ${side}${s}`, role: 'commander', sectors: [`s${side}-${s}`], passwordHash: pw });
  t.users.push({ id: 'joint', name: 'Joint command', role: 'commander', joint: true, passwordHash: pw });
  t.users.push({ id: 'monitor-1', name: 'Monitor 1', role: 'monitor', passwordHash: pw });
  t.users.push({ id: 'monitor-2', name: 'Monitor 2', role: 'monitor', passwordHash: pw });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hotline-field-')), 'topology.json');
  writeFileSync(file, JSON.stringify(t));
  return { file, links: pairs };
}

async function inBatches(tasks: (() => Promise<unknown>)[], n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

export async function fieldBench(cluster: BenchCluster, o: { posts: number; consoles: number; entries: number; log: (line: string) => void }): Promise<FieldResult> {
  const { signer } = cluster;
  const topo = await fieldTopology(o.posts);
  const nodes = [
    await startServer({ redisUrl: cluster.redis.url, topology: topo.file, env: { HOTLINE_REDIS_PREFIX: 'field' } }),
    await startServer({ redisUrl: cluster.redis.url, topology: topo.file, env: { HOTLINE_REDIS_PREFIX: 'field' } }),
  ] as const;
  cluster.extra.push(...nodes);
  await new Promise((r) => setTimeout(r, 2000));
  const before: [number, number] = [await rssOf(nodes[0].pid!), await rssOf(nodes[1].pid!)];
  const operator = (i: number): { user: SessionUser; linkId: string } => {
    const pair = i % topo.links;
    const side = Math.floor(i / topo.links) % 2 === 0 ? 'a' : 'b';
    const post = `${side}-${pair}`;
    return { user: { id: `op-${post}`, name: post, role: 'operator', side, post, supervisor: false, sectors: [], joint: false, drillOfficer: false }, linkId: `f-${pair}` };
  };
  o.log(`field: ${o.posts} posts, ${topo.links} links; connecting ${o.consoles} operator consoles over two nodes`);
  const consoles: HotlineClient[] = [];
  await inBatches(
    Array.from({ length: o.consoles }, (_, i) => async () => {
      const { user, linkId } = operator(i);
      const c = new HotlineClient({
        url: nodes[i % 2 === 0 ? 0 : 1].url,
        token: signer.issue({ id: user.id, role: 'operator' }).token,
        user,
        links: [linkId],
        deliveredReceipts: false,
        healthCheckMs: 0,
        ackTimeoutMs: 60_000,
        socket: { transports: ['websocket'] },
      });
      consoles.push(c);
      await c.connect();
    }),
    20,
  );
  await new Promise((r) => setTimeout(r, 3000));
  const after: [number, number] = [await rssOf(nodes[0].pid!), await rssOf(nodes[1].pid!)];
  o.log(`field: ${o.entries} messages on each of the ${topo.links} links`);
  // The first console of each a-side post writes its link's messages.
  const writers = consoles.slice(0, Math.min(consoles.length, topo.links));
  await inBatches(
    writers.map((w, i) => async () => {
      for (let k = 0; k < o.entries; k++) await w.send(`f-${i}`, `field report ${k}`);
    }),
    20,
  );
  const watch = async (id: string, role: 'commander' | 'monitor') => {
    const c = new HotlineClient({
      url: nodes[0].url,
      token: signer.issue({ id, role }).token,
      user: { id, name: id, role, side: null, post: null, supervisor: false, sectors: [], joint: role === 'commander', drillOfficer: false } satisfies SessionUser,
      deliveredReceipts: false,
      healthCheckMs: 0,
      ackTimeoutMs: 120_000,
      socket: { transports: ['websocket'] },
    });
    let entries = 0;
    c.on('entry', () => entries++);
    const t0 = performance.now();
    await c.connect();
    const coldMs = Math.round(performance.now() - t0);
    c.close();
    const t1 = performance.now();
    await c.connect();
    const reconnectMs = Math.round(performance.now() - t1);
    c.close();
    return { coldMs, reconnectMs, entries };
  };
  const joint = await watch('joint', 'commander');
  const monitor = await watch('monitor-1', 'monitor');
  o.log(`field: joint command usable after ${joint.coldMs} ms cold (${joint.entries} entries), ${joint.reconnectMs} ms after a reconnect; monitor ${monitor.coldMs} / ${monitor.reconnectMs} ms`);
  for (const c of consoles) c.close();
  await Promise.allSettled(nodes.map((n) => n.kill()));
  return {
    posts: o.posts,
    links: topo.links,
    consoles: o.consoles,
    entriesPerLink: o.entries,
    rss: { before, after, perConsole: Math.round((after[0] - before[0] + after[1] - before[1]) / o.consoles) },
    joint,
    monitor,
  };
}
