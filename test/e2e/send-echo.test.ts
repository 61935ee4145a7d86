/**
 * A sent message reaches the sender through its ack only: the `entry` push goes to every other socket
 * of the link (the peer, the sender's other consoles), not back to the socket that sent it; the SDK
 * delivers the acked entry itself, once and in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
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
});
