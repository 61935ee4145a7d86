import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

// Browsers and the SDK's defaults start on HTTP long-polling and upgrade to WebSocket. Express must not
// answer Socket.IO's polling requests too: a second response to one request crashed the node.
describe('HTTP long-polling transport', () => {
  let cluster: TestCluster;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  it('serves consoles on polling only and on the default polling-then-websocket, and the node stays up', async () => {
    const url = cluster.nodes[0]!.url;
    const polling = await connectClient(url, 'op-a1', { socket: { transports: ['polling'] } });
    const upgrading = await connectClient(url, 'op-b1', { socket: {} });
    clients.push(polling, upgrading);
    const sent = await polling.send('l1', 'over long-polling');
    await waitFor(() => upgrading.entries.some((e) => e.seq === sent.entry.seq));
    const back = await upgrading.send('l1', 'over the default transports');
    await waitFor(() => polling.entries.some((e) => e.seq === back.entry.seq));
    expect(cluster.nodes[0]!.running).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(cluster.nodes[0]!.output.join('\n')).not.toContain('ERR_HTTP_HEADERS_SENT');
  });
});
