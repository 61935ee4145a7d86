import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyExport, type Entry, type Escalation } from '@hotline/shared';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { startRedisCluster, type RedisClusterProcess } from '../helpers/redis-cluster.js';
import { startServer, type ServerProcess } from '../helpers/server.js';
import { makeTopology } from '../helpers/topology.js';
import { keys } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';

let redis: RedisClusterProcess;
const nodes: ServerProcess[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  redis = await startRedisCluster(3);
  const { file } = await makeTopology();
  for (let i = 0; i < 2; i++) {
    nodes.push(await startServer({ redisUrl: 'redis://unused:1', topology: file, env: { REDIS_CLUSTER_NODES: redis.nodes, HOTLINE_CHECKPOINT_INTERVAL: '500ms' } }));
  }
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.allSettled(nodes.map((n) => n.kill()));
  await redis?.stop();
});

describe('on a Redis Cluster of three masters', () => {
  it('keeps each link in one slot, and spreads the links over the masters', async () => {
    const c = redis.client();
    const slots = await Promise.all(['l1', 'l2', 'l3', 'l4'].map((l) => c.cluster('KEYSLOT', keys.log(l))));
    for (const [i, l] of ['l1', 'l2', 'l3', 'l4'].entries()) {
      const ofLink = [keys.head(l), keys.idem(l), keys.alerts(l), keys.cursors(l), keys.deadlines(l), keys.lineChecks(l), keys.linkKeys(l), keys.checkpoints(l), keys.messagesBy(l, 'a1')];
      for (const key of ofLink) expect(await c.cluster('KEYSLOT', key), key).toBe(slots[i]);
    }
    const ranges = (await c.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    const owner = (slot: number) => ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1];
    expect(new Set(slots.map((s) => owner(s as number))).size).toBeGreaterThan(1);
  });

  it('two operators on two nodes talk, resume, and the record verifies', async () => {
    const a = await connectClient(nodes[0]!.url, 'op-a1');
    const b = await connectClient(nodes[1]!.url, 'op-b1');
    clients.push(a, b);
    for (let i = 0; i < 30; i++) await (i % 2 ? b : a).send('l1', `cluster ${i}`);
    const texts = (c: TestClient) => c.entries.filter((e) => e.type === 'message' && e.linkId === 'l1').map((e) => (e.type === 'message' ? e.payload.text : ''));
    await waitFor(() => texts(a).length === 30 && texts(b).length === 30);
    expect(texts(b)).toEqual(Array.from({ length: 30 }, (_, i) => `cluster ${i}`));
    b.close();
    await a.send('l1', 'while b is away');
    await b.connect();
    await waitFor(() => texts(b).includes('while b is away'));
    const res = await fetch(`${nodes[1]!.url}/api/links/l1/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
    const report = await verifyExport((await res.text()).split('\n'), nodeVerifyCrypto());
    expect(report.ok).toBe(true);
  });

  it('escalates alerts through BullMQ on the cluster, each level once', async () => {
    const a = await connectClient(nodes[0]!.url, 'op-a2');
    const joint = await connectClient(nodes[1]!.url, 'joint');
    clients.push(a, joint);
    const got: Escalation[] = [];
    joint.on('escalation', (e) => got.push(e));
    const { alert } = await a.raiseAlert({ linkId: 'l2', kind: 'drone', severity: 1, description: 'on the cluster' });
    await waitFor(() => got.filter((e) => e.alertId === alert.alertId).length === 3, { timeout: 15_000 });
    const steps = () => a.entries.filter((e): e is Entry & { type: 'alert.escalated' } => e.type === 'alert.escalated' && e.payload.alertId === alert.alertId);
    await waitFor(() => steps().length === 5, { timeout: 15_000 });
    expect(steps().map((e) => e.payload.step)).toEqual([1, 2, 3, 4, 5]);
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${nodes[0]!.url}/readyz`)).status).toBe(200);
  });
});
