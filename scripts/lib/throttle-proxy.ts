/**
 * A TCP proxy that behaves like a slow link: a bandwidth per direction, a one-way delay, and loss. It
 * counts the bytes each way. TCP hides a lost segment from the application as a retransmission: here
 * each segment (≤ 1,460 bytes) is "lost" with probability `loss` and then arrives one retransmission
 * timeout later (RTT + 200 ms, at least 1 s as Linux's initial RTO), and, as in TCP, everything behind it
 * on that connection waits (head-of-line blocking). Order is kept; nothing is dropped.
 */
import net from 'node:net';

export interface LinkProfile {
  name: string;
  /** bytes per second towards the console (down) and from it (up) */
  downBps: number;
  upBps: number;
  /** round trip, ms (each direction delays by half) */
  rttMs: number;
  /** share of segments lost and retransmitted, 0..1 */
  loss: number;
}

export const PROFILES: Record<'vsat' | 'gprs', LinkProfile> = {
  vsat: { name: 'VSAT (256 kbit/s down, 64 up, 700 ms RTT)', downBps: 256_000 / 8, upBps: 64_000 / 8, rttMs: 700, loss: 0 },
  gprs: { name: 'GPRS (50 kbit/s, 1 s RTT, 2 % loss)', downBps: 50_000 / 8, upBps: 50_000 / 8, rttMs: 1000, loss: 0.02 },
};

export interface ThrottleProxy {
  readonly port: number;
  readonly url: string;
  /** bytes so far: down = towards the client, up = from it */
  readonly bytes: { down: number; up: number };
  /**
   * The request line ("GET /api/boot HTTP/1.1") of each HTTP request the client sent so far, in order
   * (a WebSocket's upgrade request included; its frames are not requests).
   */
  readonly requests: string[];
  resetCounters(): void;
  close(): Promise<void>;
}

const SEGMENT = 1460;

/**
 * One direction of one connection: a serializing link with delay and retransmissions. Segments wait in
 * one queue and leave it in order, each at its arrival time, and the end follows the last one: a timer
 * per segment would not keep the order, because a segment behind a retransmitted one gets the same
 * arrival time, and timers set for the same moment from different points of the event loop's tick
 * fire in no fixed order (a later segment overtaking the lost one, or the end overtaking the last).
 */
function pipe(from: net.Socket, to: net.Socket, bps: number, oneWayMs: number, loss: number, rto: number, count: (n: number) => void, random: () => number): void {
  let linkFree = 0;
  let lastArrival = 0;
  const queue: { at: number; seg: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const drain = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { seg } = queue.shift()!;
      if (to.destroyed) continue;
      if (seg) to.write(seg);
      else to.end();
    }
    schedule();
  };
  const schedule = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(drain, Math.max(0, queue[0]!.at - performance.now()));
  };
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    for (let off = 0; off < chunk.length; off += SEGMENT) {
      const seg = chunk.subarray(off, Math.min(chunk.length, off + SEGMENT));
      const now = performance.now();
      linkFree = Math.max(now, linkFree) + (seg.length / bps) * 1000;
      let arrival = linkFree + oneWayMs + (loss > 0 && random() < loss ? rto : 0);
      arrival = Math.max(arrival, lastArrival);
      lastArrival = arrival;
      queue.push({ at: arrival, seg });
    }
    schedule();
  });
  from.on('end', () => {
    queue.push({ at: Math.max(performance.now(), lastArrival), seg: null });
    schedule();
  });
}

export async function startThrottleProxy(target: number, profile: LinkProfile, random: () => number = Math.random): Promise<ThrottleProxy> {
  const bytes = { down: 0, up: 0 };
  const requests: string[] = [];
  const open = new Set<net.Socket>();
  const rto = Math.max(1000, profile.rttMs + 200);
  // Half-open: one side's FIN must not cut what is still on its way (delayed) to that side.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
    open.add(client);
    open.add(upstream);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => open.delete(s));
    }
    let upgraded = false;
    client.on('data', (chunk: Buffer) => {
      if (upgraded) return;
      const head = chunk.subarray(0, 2048).toString('latin1');
      const line = /^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) \S+ HTTP\/1\.[01]/.exec(head)?.[0];
      if (!line) return;
      requests.push(line);
      // What follows an upgrade is WebSocket frames, whatever their bytes look like.
      if (/\r\nupgrade: *websocket/i.test(head)) upgraded = true;
    });
    pipe(client, upstream, profile.upBps, profile.rttMs / 2, profile.loss, rto, (n) => (bytes.up += n), random);
    pipe(upstream, client, profile.downBps, profile.rttMs / 2, profile.loss, rto, (n) => (bytes.down += n), random);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    bytes,
    requests,
    resetCounters() {
      bytes.down = 0;
      bytes.up = 0;
      requests.length = 0;
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
