/**
 * A sent message reaches the sender through its ack only: the `entry` push goes to every other socket
 * of the link (the peer, the sender's other consoles), not back to the socket that sent it; the SDK
 * delivers the acked entry itself, once and in order. Across nodes: the appending node pushes to its own
 * sockets, every other node pushes what the append's own publish brings it, and a retried send's
 * stored entry is pushed again on every node.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { TEST_PASSWORD } from '../helpers/topology.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { sendsAnswered } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let cluster: TestCluster | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.stop();
  cluster = undefined;
});

describe('the entry of a sent message', () => {
  it('is pushed to the peer and the sender’s other consoles, not to the sending socket; the SDK delivers it from the ack', async () => {
    cluster = await startCluster({ nodes: 2 });
    const peer = await connectClient(cluster.nodes[1]!.url, 'op-b1');
    const other = await connectClient(cluster.nodes[1]!.url, 'op-a1');
    const sdk = await connectClient(cluster.nodes[0]!.url, 'op-a1');
    clients.push(peer, other, sdk);

    const socket = rawSocket(cluster.nodes[0]!.url, tokenFor('op-a1', 'operator'));
    try {
      const pushed: Entry[] = [];
      socket.on('entry', (e: Entry) => pushed.push(e));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const { sign } = await rawSigner(socket, 'op-a1');
      const ack = await emitAck(socket, 'hotline:send', await sign('hotline:send', { linkId: 'l1', clientMsgId: 'raw-echo-0001', text: 'from the raw socket', precedence: 'routine', drill: false }));
      expect(ack.ok).toBe(true);
      const seq = (ack.entry as Entry).seq;
      await waitFor(() => [peer, other, sdk].every((c) => c.entries.some((e) => e.linkId === 'l1' && e.seq === seq)));
      // A later push on the link reaches the raw socket, so it was listening: only its own entry was left out.
      const { entry } = await sdk.send('l1', 'from the SDK console');
      await waitFor(() => pushed.some((e) => e.seq === entry.seq));
      expect(pushed.some((e) => e.seq === seq)).toBe(false);
      // The SDK console that sent delivered its own message once, in order, from the ack.
      await waitFor(() => peer.entries.some((e) => e.seq === entry.seq));
      const own = sdk.entries.filter((e) => e.linkId === 'l1').map((e) => e.seq);
      expect(own.filter((s) => s === entry.seq)).toHaveLength(1);
      expect(own).toEqual([...new Set(own)].sort((a, b) => a - b));
    } finally {
      socket.disconnect();
    }
  });

  it('reaches the sockets of the link on every node once, in the order of the appends where another node appended it, and again on every node when a send is retried', async () => {
    cluster = await startCluster({ nodes: 3 });
    const [n0, n1, n2] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const open = async (url: string, userId: string) => {
      const socket = rawSocket(url, tokenFor(userId, 'operator'));
      const pushed: Entry[] = [];
      socket.on('entry', (e: Entry) => {
        if (e.linkId === 'l1') pushed.push(e);
      });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return { socket, pushed };
    };
    // Senders on nodes 0 and 1; listeners: the sender's other socket on node 0, the peer on nodes 1 and 2.
    const a = await open(n0, 'op-a1');
    const b = await open(n1, 'op-b1');
    const listeners = { 'a on node 0': await open(n0, 'op-a1'), 'b on node 1': await open(n1, 'op-b1'), 'b on node 2': await open(n2, 'op-b1') };
    const sockets = [a, b, ...Object.values(listeners)].map((x) => x.socket);
    try {
      const signers = { a: await rawSigner(a.socket, 'op-a1'), b: await rawSigner(b.socket, 'op-b1') };
      const request = (side: 'a' | 'b', i: number) =>
        signers[side].sign('hotline:send', { linkId: 'l1', clientMsgId: `across-${side}-${String(i).padStart(4, '0')}`, text: `burst ${side} ${i}`, precedence: 'routine', drill: false });
      // A burst from both ends at once, on two nodes.
      const acks = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => [await emitAck(a.socket, 'hotline:send', await request('a', i)), await emitAck(b.socket, 'hotline:send', await request('b', i))]),
      );
      const seqs = acks.flat().map((ack) => {
        expect(ack.ok).toBe(true);
        return (ack.entry as Entry).seq;
      });
      // Every entry from the burst's first on: its messages and the key.registered entry a sender's first
      // signed message on the link comes with (the chain is gapless).
      const first = Math.min(...seqs);
      const all = Array.from({ length: Math.max(...seqs) - first + 1 }, (_, i) => first + i);
      expect(all.length).toBeGreaterThanOrEqual(40);
      const ofLink = (from: number) => (xs: Entry[]) => xs.map((e) => e.seq).filter((seq) => seq >= from);
      for (const [name, l] of Object.entries(listeners)) {
        await waitFor(() => all.every((seq) => l.pushed.some((e) => e.seq === seq)), { message: `${name} has every entry of the burst` });
      }
      // Node 2 appended nothing: it pushed all of them from the appends' publishes, once each, in seq order.
      expect(ofLink(first)(listeners['b on node 2'].pushed)).toEqual(all);
      // Every other listener got each once (what its own node appended and what the other's did).
      for (const l of Object.values(listeners)) expect([...ofLink(first)(l.pushed)].sort((x, y) => x - y)).toEqual(all);

      // A retry of a send that was stored (its first push may have died with its node) is pushed again everywhere.
      const retried = await request('a', 0);
      const again = await emitAck(a.socket, 'hotline:send', retried);
      expect(again.ok).toBe(true);
      expect(again.duplicate).toBe(true);
      const seq = (again.entry as Entry).seq;
      for (const [name, l] of Object.entries(listeners)) {
        await waitFor(() => l.pushed.filter((e) => e.seq === seq).length === 2, { message: `${name} got the retried entry again` });
      }
    } finally {
      for (const socket of sockets) socket.disconnect();
    }
  });

  it('with reply "seal", is acked with its seal only; the SDK rebuilds the stored entry from it, or asks for it when its rebuild does not hash to the seal', async () => {
    cluster = await startCluster({ nodes: 2 });
    const [n0, n1] = cluster.nodes.map((n) => n.url) as [string, string];
    const peer = await connectClient(n1, 'op-b1');
    const sdk = await connectClient(n0, 'op-a1');
    clients.push(peer, sdk);

    // On the wire: the seal, no entry; a retry is answered from the record with the whole entry.
    const socket = rawSocket(n0, tokenFor('op-a1', 'operator'));
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const { sign } = await rawSigner(socket, 'op-a1');
      const request = await sign('hotline:send', { linkId: 'l1', clientMsgId: 'raw-seal-0001', text: 'sealed from the raw socket', precedence: 'routine', drill: false });
      const ack = await emitAck(socket, 'hotline:send', { ...request, reply: 'seal' });
      expect(Object.keys(ack).sort()).toEqual(['duplicate', 'ok', 'seal']);
      expect(ack.duplicate).toBe(false);
      const again = await emitAck(socket, 'hotline:send', { ...request, reply: 'seal' });
      expect(again.duplicate).toBe(true);
      const { seq, ts, prevHash, hash } = again.entry as Entry;
      expect(ack.seal).toEqual({ seq, ts, prevHash, hash });
      // A reply the schema does not know is refused, writing nothing.
      const bad = await emitAck(socket, 'hotline:send', { ...(await sign('hotline:send', { linkId: 'l1', clientMsgId: 'raw-seal-0002', text: 'x', precedence: 'routine', drill: false })), reply: 'all' });
      expect(bad.ok).toBe(false);
      expect(bad.error.code).toBe('VALIDATION_FAILED');
    } finally {
      socket.disconnect();
    }

    // hotline:send events node 0 answered: one per send when the rebuild holds, two when it asks again.
    const sends = () => sendsAnswered(n0);
    // The SDK sends with reply "seal": what it delivers is, byte for byte, what the peer got pushed.
    const before = await sends();
    const sent = await sdk.send('l1', 'sealed from the SDK', { precedence: 'flash' });
    expect(sent.duplicate).toBe(false);
    expect((await sends()) - before).toBe(1);
    const pushed = await waitFor(() => peer.entries.find((e) => e.seq === sent.entry.seq));
    expect(sent.entry).toEqual(pushed);
    await waitFor(() => sdk.entries.some((e) => e.seq === sent.entry.seq));
    expect(sdk.entries.find((e) => e.seq === sent.entry.seq)).toEqual(pushed);

    // A client that takes itself for another post rebuilds an entry the log does not hold: it asks for the stored one.
    const session = await HotlineClient.login(n0, 'op-a1', TEST_PASSWORD);
    const confused = await connectClient(n0, 'op-a1', { token: session.token, expiresAt: session.expiresAt, user: { ...session.user, post: 'a2' } });
    clients.push(confused);
    const beforeConfused = await sends();
    const own = await confused.send('l1', 'from a confused console');
    expect(own.duplicate).toBe(false);
    expect((await sends()) - beforeConfused).toBe(2);
    expect(own.entry.actor).toEqual({ userId: 'op-a1', role: 'operator', postId: 'a1' });
    expect(own.entry).toEqual(await waitFor(() => peer.entries.find((e) => e.seq === own.entry.seq)));
  });
});
