import net from 'node:net';
import { freePort } from './ports.js';

/**
 * A TCP proxy standing in for a load balancer or a network path: spreads connections over backends
 * (skipping dead ones), and can cut every connection and refuse new ones until restored.
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  setBackends(ports: number[]): void;
  /** Drops every open connection and refuses new ones (the network is down). */
  cut(): void;
  restore(): void;
  /**
   * A silent cut: every connection stays open but nothing passes either way any more (no FIN, no
   * RST), and new connections hang; as a dead link or a pulled cable behind a NAT looks.
   */
  stall(): void;
  close(): Promise<void>;
}

export async function startProxy(backends: number[]): Promise<TcpProxy> {
  const port = await freePort();
  let targets = [...backends];
  let next = 0;
  let down = false;
  let stalled = false;
  const open = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();

  const connectTo = (client: net.Socket, tries: number) => {
    if (tries >= targets.length || targets.length === 0) {
      client.destroy();
      return;
    }
    const target = targets[next++ % targets.length]!;
    const upstream = net.connect(target, '127.0.0.1');
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      open.add(upstream);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      pairs.add(pair);
      upstream.once('close', () => pairs.delete(pair));
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      open.delete(upstream);
      if (!connected) connectTo(client, tries + 1);
      else client.destroy();
    });
    upstream.once('close', () => {
      open.delete(upstream);
      client.destroy();
    });
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (down) {
      client.destroy();
      return;
    }
    open.add(client);
    client.on('error', () => undefined);
    client.once('close', () => open.delete(client));
    if (stalled) return; // accepted, never answered
    connectTo(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setBackends(ports) {
      targets = [...ports];
    },
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    stall() {
      stalled = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
