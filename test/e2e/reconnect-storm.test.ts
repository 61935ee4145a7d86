/**
 * Reconnect storms at a small size: a node killed under its consoles (they all come back to the other,
 * which sheds the handshakes beyond its rate with a retryable UNAVAILABLE), and Redis restarted under
 * every console. Afterwards every console is live, has every message of its link once and in order,
 * and the log holds each message once. No wall-clock limits: waits on events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '@hotline/shared';
import { writeBenchTopology, type BenchTopology } from '../../scripts/bench/topology.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { verifiedLog } from '../helpers/log.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startServer, type ServerProcess } from '../helpers/server.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const PAIRS = 12;
/** Consoles per watching post: more consoles than the shedding node admits per window. */
const WATCHERS_PER_POST = 2;
const BEFORE = 3;
const DURING = 4;

let redis: RedisProcess | undefined;
let nodes: ServerProcess[] = [];
let proxy: TcpProxy | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy?.close();
  proxy = undefined;
  await Promise.allSettled(nodes.map((n) => n.kill()));
  nodes = [];
  await redis?.stop();
  redis = undefined;
});

const messages = (entries: Entry[], linkId: string) =>
  entries.filter((e) => e.linkId === linkId && e.type === 'message').map((e) => (e.type === 'message' ? e.payload.text : ''));

async function shedHandshakes(node: ServerProcess): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const m = /hotline_requests_rejected_total\{code="UNAVAILABLE",source="handshake"[^}]*\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Senders (side a) and watchers (side b, several consoles per post), each following its own link. */
async function consoles(topo: BenchTopology, senderUrl: string, watcherUrl: string) {
  const senders: TestClient[] = [];
  const watchers: { linkId: string; client: TestClient }[] = [];
  for (let i = 0; i < topo.pairs; i++) {
    const p = topo.pair(i);
    const s = await connectClient(senderUrl, p.a.user, { links: [p.linkId], deliveredReceipts: false });
    clients.push(s);
    senders.push(s);
  }
  await Promise.all(
    Array.from({ length: topo.pairs * WATCHERS_PER_POST }, async (_, k) => {
      const p = topo.pair(k % topo.pairs);
      const w = await connectClient(watcherUrl, p.b.user, {
        links: [p.linkId],
        deliveredReceipts: false,
        socket: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 400 },
      });
      clients.push(w);
      watchers.push({ linkId: p.linkId, client: w });
    }),
  );
  return { senders, watchers };
}

async function sendRound(topo: BenchTopology, senders: TestClient[], round: string, count: number): Promise<void> {
  await Promise.all(
    senders.map(async (s, i) => {
      for (let k = 0; k < count; k++) await s.send(topo.pair(i).linkId, `${round} ${k}`, { clientMsgId: `${round}-${i}-${k}` });
    }),
  );
}

const expected = (rounds: [string, number][]) => rounds.flatMap(([round, n]) => Array.from({ length: n }, (_, k) => `${round} ${k}`));

async function everyLinkExactlyOnce(topo: BenchTopology, texts: string[]): Promise<void> {
  for (let i = 0; i < topo.pairs; i++) {
    const log = await verifiedLog(redis!.client(), topo.pair(i).linkId);
    expect(log.flatMap((e) => (e.type === 'message' ? [e.payload.text] : []))).toEqual(texts);
  }
}

describe('reconnect storm', () => {
  it('a node killed under its consoles: they all come back to the other (shed and retried), live, caught up, nothing lost or twice', async () => {
    redis = await startRedis();
    const topo = await writeBenchTopology(PAIRS, 3_600_000);
    // A handshake rate far below the number of consoles that come back at once: most are shed at first.
    const env = { HOTLINE_CONNECT_RATE: '4/250ms' };
    nodes = [await startServer({ redisUrl: redis.url, topology: topo.file, env }), await startServer({ redisUrl: redis.url, topology: topo.file, env })];
    const [node0, node1] = nodes as [ServerProcess, ServerProcess];
    // The watchers reach the service through a load balancer that, for now, only knows node 0.
    proxy = await startProxy([node0.port]);
    const { senders, watchers } = await consoles(topo, node1.url, proxy.url);

    await sendRound(topo, senders, 'before', BEFORE);
    await waitFor(() => watchers.every((w) => messages(w.client.entries, w.linkId).length === BEFORE), { timeout: 30_000 });

    const synced = new Map<TestClient, number>();
    for (const w of watchers) w.client.on('synced', () => synced.set(w.client, (synced.get(w.client) ?? 0) + 1));
    await node0.kill();
    proxy.setBackends([node1.port]);
    // Messages keep coming while the watchers reconnect.
    await sendRound(topo, senders, 'during', DURING);

    const all = expected([
      ['before', BEFORE],
      ['during', DURING],
    ]);
    await waitFor(() => watchers.every((w) => w.client.status === 'connected' && (synced.get(w.client) ?? 0) > 0 && messages(w.client.entries, w.linkId).length >= all.length), {
      timeout: 60_000,
      message: 'not every console came back and caught up',
    });
    for (const w of watchers) expect(messages(w.client.entries, w.linkId)).toEqual(all);
    // Each console delivered each entry once: seqs strictly increasing, no repeats.
    for (const w of watchers) {
      const seqs = w.client.entries.filter((e) => e.linkId === w.linkId).map((e) => e.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    }
    await everyLinkExactlyOnce(topo, all);
    expect(await shedHandshakes(node1)).toBeGreaterThan(0);
  });

  it('Redis restarted under every console: all live again and caught up, every message once', async () => {
    redis = await startRedis({ aof: true });
    const topo = await writeBenchTopology(PAIRS, 3_600_000);
    nodes = [await startServer({ redisUrl: redis.url, topology: topo.file }), await startServer({ redisUrl: redis.url, topology: topo.file })];
    const [node0, node1] = nodes as [ServerProcess, ServerProcess];
    const { senders, watchers } = await consoles(topo, node1.url, node0.url);
    await sendRound(topo, senders, 'before', BEFORE);
    await waitFor(() => watchers.every((w) => messages(w.client.entries, w.linkId).length === BEFORE), { timeout: 30_000 });

    await redis.kill();
    // Sent while Redis is down: the outbox keeps retrying (UNAVAILABLE / INTERNAL are retryable).
    const during = sendRound(topo, senders, 'during', DURING);
    await redis.start();
    await during;

    const all = expected([
      ['before', BEFORE],
      ['during', DURING],
    ]);
    await waitFor(() => watchers.every((w) => w.client.status === 'connected' && messages(w.client.entries, w.linkId).length >= all.length), {
      timeout: 60_000,
      message: 'not every console caught up after the Redis restart',
    });
    for (const w of watchers) expect(messages(w.client.entries, w.linkId)).toEqual(all);
    await everyLinkExactlyOnce(topo, all);
  });
});
