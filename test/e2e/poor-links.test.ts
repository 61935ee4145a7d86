/**
 * A console on a GPRS-like link (50 kbit/s, 1 s round trip, 2 % of segments retransmitted), through the
 * throttling proxy the bench uses: what it sends and what it receives arrives once and in order, and an
 * alert raised at the other end reaches it. Sizes are small; no wall-clock limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '@hotline/shared';
import { PROFILES, startThrottleProxy, type ThrottleProxy } from '../../scripts/lib/throttle-proxy.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { verifiedLog } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';

let cluster: TestCluster | undefined;
let proxy: ThrottleProxy | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy?.close();
  proxy = undefined;
  await cluster?.stop();
  cluster = undefined;
});

const texts = (entries: Entry[], linkId: string) =>
  entries.filter((e) => e.linkId === linkId && e.type === 'message').map((e) => (e.type === 'message' ? e.payload.text : ''));

describe('a console on a poor link', () => {
  it('GPRS-like link: sends and receives every message once and in order; an alert raised at the other end reaches it', async () => {
    cluster = await startCluster({ nodes: 2 });
    // Loss drawn from a fixed sequence, so every run retransmits the same segments.
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    proxy = await startThrottleProxy(cluster.nodes[0]!.port, PROFILES.gprs, random);
    const far = await connectClient(proxy.url, 'op-b1', { ackTimeoutMs: 30_000 });
    const near = await connectClient(cluster.nodes[1]!.url, 'op-a1');
    clients.push(far, near);

    const n = 8;
    const sent = await Promise.all(Array.from({ length: n }, (_, i) => far.send('l1', `from the far post ${i}`, { clientMsgId: `far-post-${i}` })));
    const got = await Promise.all(Array.from({ length: n }, (_, i) => near.send('l1', `to the far post ${i}`, { clientMsgId: `near-post-${i}` })));
    expect(sent.every((r) => !r.duplicate) && got.every((r) => !r.duplicate)).toBe(true);

    const all = [...Array.from({ length: n }, (_, i) => `from the far post ${i}`), ...Array.from({ length: n }, (_, i) => `to the far post ${i}`)];
    await waitFor(() => texts(far.entries, 'l1').length >= 2 * n && texts(near.entries, 'l1').length >= 2 * n, { timeout: 120_000 });
    expect(texts(far.entries, 'l1')).toEqual(all);
    expect(texts(near.entries, 'l1')).toEqual(all);
    const seqs = far.entries.filter((e) => e.linkId === 'l1').map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));

    const { alert } = await near.raiseAlert({ linkId: 'l1', kind: 'other', severity: 3, description: 'over the poor link' });
    await waitFor(() => far.entries.some((e) => e.type === 'alert.raised' && e.payload.alertId === alert.alertId), { timeout: 120_000 });

    const log = await verifiedLog(cluster.redis.client(), 'l1');
    expect(log.flatMap((e) => (e.type === 'message' ? [e.payload.text] : []))).toEqual(all);
    expect(proxy.bytes.down).toBeGreaterThan(0);
  });

  it('GPRS-like link: a console whose first sync is larger than the heartbeat allows still catches up (smaller pages after a dropped one)', async () => {
    cluster = await startCluster({ nodes: 1 });
    let seed = 11;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const near = await connectClient(cluster.nodes[0]!.url, 'op-a1');
    clients.push(near);
    const history = Array.from({ length: 40 }, (_, i) => `history ${i}: all quiet on the line, nothing to add, nothing at all.`);
    for (const text of history) await near.send('l1', text);
    // About 40 KB to sync at 50 kbit/s: one page of them outlasts the heartbeat (ping every second,
    // 2.5 s to answer), which dropped the socket before each page could arrive, for good.
    proxy = await startThrottleProxy(cluster.nodes[0]!.port, PROFILES.gprs, random);
    const far = await connectClient(proxy.url, 'op-b1', { ackTimeoutMs: 30_000 });
    clients.push(far);
    expect(texts(far.entries, 'l1')).toEqual(history);
    const seqs = far.entries.filter((e) => e.linkId === 'l1').map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
  }, 180_000);
});
