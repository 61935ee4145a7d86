/**
 * An SDK client in Node that signs and hashes with node:crypto (client-sdk/src/node-crypto.ts), as the
 * drill runner and the relay benchmark's load generator do: a server that requires signatures takes its
 * actions, its sends are rebuilt from their seals, and a client whose crypto signs wrongly is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HotlineError, type ClientCrypto } from '../../client-sdk/src/index.js';
import { nodeClientCrypto } from '../../client-sdk/src/node-crypto.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { sendsAnswered } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let cluster: TestCluster | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.stop();
  cluster = undefined;
});

describe('an SDK client on node:crypto', () => {
  it('signs what a server requiring signatures takes, and rebuilds its sends from their seals', async () => {
    cluster = await startCluster({ nodes: 1 });
    const url = cluster.nodes[0]!.url;
    const sends = () => sendsAnswered(url);
    const peer = await connectClient(url, 'op-b1', { crypto: nodeClientCrypto });
    const sender = await connectClient(url, 'op-a1', { crypto: nodeClientCrypto });
    clients.push(peer, sender);

    const before = await sends();
    const sent = await sender.send('l1', 'signed on node:crypto', { precedence: 'flash' });
    expect(sent.entry.sig?.keyId).toBe(sender.keyId);
    // One hotline:send: the seal's rebuild hashed to what the log holds.
    expect((await sends()) - before).toBe(1);
    const pushed = await waitFor(() => peer.entries.find((e) => e.seq === sent.entry.seq));
    expect(sent.entry).toEqual(pushed);
    // The peer's acknowledgement, signed the same way, quotes the message and is taken.
    const ack = await peer.request('hotline:ack', { linkId: 'l1', seq: sent.entry.seq });
    expect(ack.entry).toMatchObject({ type: 'receipt', payload: { kind: 'ack', uptoSeq: sent.entry.seq, uptoHash: sent.entry.hash } });
    expect(ack.entry?.sig?.keyId).toBe(peer.keyId);
  });

  it('is refused with BAD_SIGNATURE when its crypto signs wrongly, and nothing is written', async () => {
    cluster = await startCluster({ nodes: 1 });
    const url = cluster.nodes[0]!.url;
    const peer = await connectClient(url, 'op-b1');
    clients.push(peer);
    // Signs every action but key:register (which the server checks first) over other bytes.
    let signed = 0;
    const wrong: ClientCrypto = {
      sign: (key, data) => nodeClientCrypto.sign(key, ++signed === 1 ? data : new TextEncoder().encode('something else')),
      sha256: nodeClientCrypto.sha256,
    };
    const sender = await connectClient(url, 'op-a1', { crypto: wrong });
    clients.push(sender);
    const failure = await sender.send('l1', 'signed over other bytes').then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(HotlineError);
    expect((failure as HotlineError).code).toBe('BAD_SIGNATURE');
    // Nothing of the sender's reached the record: the peer's next message follows only its own entries.
    const next = await peer.send('l1', 'still here');
    await waitFor(() => peer.entries.some((e) => e.seq === next.entry.seq));
    expect(peer.entries.filter((e) => e.linkId === 'l1' && e.actor.userId === 'op-a1' && e.type !== 'key.registered')).toEqual([]);
    expect(peer.entries.filter((e) => e.linkId === 'l1').map((e) => e.seq)).toEqual(Array.from({ length: next.entry.seq }, (_, i) => i + 1));
  });
});
