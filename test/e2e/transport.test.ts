import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { closeTransport, openTransport } from '../../client-sdk/src/connection.js';
import { connectClient } from '../helpers/clients.js';

/**
 * A TCP proxy to a node that notes the first request line of every connection (a Socket.IO request
 * names its transport) and, with `refuseWebSocket`, cuts any connection asking for WebSocket, as a
 * proxy that does not pass the upgrade does.
 */
async function requestProxy(port: number, refuseWebSocket: boolean) {
  const lines: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.once('data', (first: Buffer) => {
      const line = first.toString('latin1').split('\r\n')[0] ?? '';
      lines.push(line);
      if (refuseWebSocket && line.includes('transport=websocket')) {
        client.destroy();
        return;
      }
      const upstream = net.connect({ port, host: '127.0.0.1' });
      open.add(upstream);
      upstream.write(first);
      client.pipe(upstream).pipe(client);
      // Later requests on a kept-alive connection are noted too.
      client.on('data', (more: Buffer) => {
        const text = more.toString('latin1');
        if (/^(GET|POST) /.test(text)) lines.push(text.split('\r\n')[0] ?? '');
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    open.add(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    lines,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Browsers without WebSocket, or behind a proxy that refuses it, use Socket.IO's HTTP long-polling
 * (the SDK tries WebSocket first and falls back to it; older clients poll before upgrading). Those requests belong
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

  it('opens straight over WebSocket by default: no long-polling handshake or upgrade', async () => {
    const proxy = await requestProxy(cluster.nodes[0]!.port, false);
    // The SDK's own transports (the test helper's are left out).
    const a = await connectClient(proxy.url, 'op-a1', { socket: { reconnectionDelay: 100 } });
    try {
      await a.send('l1', 'straight over WebSocket');
      const socketIo = proxy.lines.filter((l) => l.includes('/socket.io/'));
      expect(socketIo.length).toBeGreaterThan(0);
      expect(socketIo.every((l) => l.includes('transport=websocket'))).toBe(true);
    } finally {
      a.close();
      await proxy.close();
    }
  });

  it('a WebSocket opened ahead of the login carries the client that is given it; one not taken is closed for good', async () => {
    const proxy = await requestProxy(cluster.nodes[0]!.port, false);
    const sockets = () => proxy.lines.filter((l) => l.includes('/socket.io/'));
    // Opened before there is a session, as the console does while its login is on the way.
    const transport = openTransport(proxy.url, { reconnectionDelay: 100 });
    const opened = new Promise<void>((resolve) => transport.once('open', () => resolve()));
    await opened;
    expect(sockets()).toHaveLength(1);
    const a = await connectClient(proxy.url, 'op-a1', { transport });
    const b = await connectClient(cluster.nodes[0]!.url, 'op-b1');
    try {
      const { entry } = await a.send('l1', 'on the WebSocket opened before the login');
      await expect.poll(() => b.entries.some((e) => e.seq === entry.seq)).toBe(true);
      const back = await b.send('l1', 'and back');
      await expect.poll(() => a.entries.some((e) => e.seq === back.entry.seq)).toBe(true);
      // The client joined on it: no second connection.
      expect(sockets()).toHaveLength(1);
      // It reconnects as its own would: the node cuts it, it comes back on a new WebSocket and syncs.
      const reconnected = new Promise<void>((resolve) => a.on('status', (s) => s === 'connected' && resolve()));
      transport.engine.close();
      await reconnected;
      expect(sockets()).toHaveLength(2);
      const after = await b.send('l1', 'after the reconnection');
      await expect.poll(() => a.entries.some((e) => e.seq === after.entry.seq)).toBe(true);
    } finally {
      a.close();
      b.close();
    }
    // A login refused: the one opened for it closes and does not come back. A second one with twice its
    // reconnection delay, cut at the same moment, marks a time by which the first would have come back.
    const unused = openTransport(proxy.url, { reconnectionDelay: 25, reconnectionDelayMax: 25, randomizationFactor: 0 });
    const control = openTransport(proxy.url, { reconnectionDelay: 50, reconnectionDelayMax: 50, randomizationFactor: 0 });
    await Promise.all([unused, control].map((t) => new Promise<void>((resolve) => t.once('open', () => resolve()))));
    const before = sockets().length;
    const closed = new Promise<string>((resolve) => unused.once('close', (reason) => resolve(reason)));
    const controlBack = new Promise<void>((resolve) => control.once('reconnect', () => resolve()));
    closeTransport(unused);
    control.engine.close();
    expect(await closed).toBe('forced close');
    await controlBack;
    // The control's new connection only: none from the closed one.
    expect(sockets()).toHaveLength(before + 1);
    closeTransport(control);
    await proxy.close();
  });

  it('falls back to long-polling where WebSocket cannot get through, and works the same', async () => {
    const proxy = await requestProxy(cluster.nodes[0]!.port, true);
    const a = await connectClient(proxy.url, 'op-a1', { socket: { reconnectionDelay: 100 } });
    const b = await connectClient(cluster.nodes[0]!.url, 'op-b1');
    try {
      const { entry } = await a.send('l1', 'over long-polling, WebSocket refused');
      await expect.poll(() => b.entries.some((e) => e.seq === entry.seq)).toBe(true);
      expect(proxy.lines.some((l) => l.includes('transport=websocket'))).toBe(true);
      expect(proxy.lines.some((l) => l.includes('transport=polling'))).toBe(true);
    } finally {
      a.close();
      b.close();
      await proxy.close();
    }
  });
});
