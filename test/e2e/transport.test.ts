import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient } from '../helpers/clients.js';

/**
 * Browsers open Socket.IO with HTTP long-polling before upgrading to WebSocket. Those requests belong
 * to engine.io alone: when Express answered them too, the second answer killed the node
 * (ERR_HTTP_HEADERS_SENT), so any browser, or anyone, could take a node down with two requests.
 */
describe('Socket.IO over HTTP long-polling', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers a poll once, from engine.io, and the node stays up', async () => {
    const url = cluster.nodes[0]!.url;
    const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(handshake.status).toBe(200);
    const { sid, pingInterval } = JSON.parse((await handshake.text()).slice(1)) as { sid: string; pingInterval: number };
    // This poll waits for the server's next packet (the ping), then engine.io answers it.
    const poll = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    expect(poll.status).toBe(200);
    expect(await poll.text()).toBe('2'); // engine.io's ping
    expect(pingInterval).toBeGreaterThan(0);
    expect(cluster.nodes[0]!.running).toBe(true);
    expect(cluster.nodes[0]!.output.join('\n')).not.toContain('ERR_HTTP_HEADERS_SENT');
  });

  it('serves a client that polls before upgrading, as browsers do', async () => {
    const a = await connectClient(cluster.nodes[0]!.url, 'op-a1', { socket: { transports: ['polling', 'websocket'] } });
    const b = await connectClient(cluster.nodes[0]!.url, 'op-b1', { socket: { transports: ['polling'] } });
    try {
      const { entry } = await a.send('l1', 'over long-polling');
      await expect.poll(() => b.entries.some((e) => e.seq === entry.seq)).toBe(true);
      expect(cluster.nodes[0]!.running).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });
});
