/**
 * The throttling proxy the bench and the poor-links tests use: whatever it delays or "retransmits", the
 * bytes arrive whole and in order, and the end of a stream comes after its last byte.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrottleProxy, type LinkProfile, type ThrottleProxy } from '../../scripts/lib/throttle-proxy.js';

let proxy: ThrottleProxy | undefined;
let server: net.Server | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A seeded generator, so every run loses the same segments. */
function seeded(seed: number): () => number {
  return () => (seed = (seed * 16807) % 2147483647) / 2147483647;
}

/** Bytes 0, 1, 2 … 250, 0, 1 … (a prime period, so a moved segment shows). */
function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

/**
 * A server that sends `body` to each client in one write and then ends; resolves what each of `clients`
 * connections at once received.
 */
async function download(body: Buffer, profile: LinkProfile, random: () => number, clients = 1): Promise<Buffer[]> {
  server = net.createServer((s) => {
    s.end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  proxy = await startThrottleProxy((server.address() as net.AddressInfo).port, profile, random);
  const port = proxy.port;
  return Promise.all(
    Array.from({ length: clients }, async () => {
      const client = net.connect({ port, host: '127.0.0.1' });
      const parts: Buffer[] = [];
      client.on('data', (c: Buffer) => parts.push(c));
      await new Promise<void>((resolve, reject) => {
        client.on('end', () => resolve());
        client.on('error', reject);
      });
      client.destroy();
      return Buffer.concat(parts);
    }),
  );
}

// Fast enough for a unit test; the delay and the retransmission timeout are what matter.
const lossy: LinkProfile = { name: 'lossy', downBps: 4_000_000, upBps: 4_000_000, rttMs: 40, loss: 0.2 };

describe('throttle proxy', () => {
  it('keeps the order of the bytes behind a retransmitted segment (a download of one large write)', async () => {
    const body = pattern(400_000);
    const [got] = (await download(body, lossy, seeded(11))) as [Buffer];
    expect(got.length).toBe(body.length);
    // Where the first difference is, if any: a segment overtaking the lost one before it.
    const firstDiff = got.findIndex((b, i) => b !== body[i]);
    expect(firstDiff).toBe(-1);
  });

  it('ends the stream after its last segment when that segment is the one lost', async () => {
    const body = pattern(3 * 1460 + 100);
    // Each download is four segments drawn one after another; the last of each four is lost.
    let n = 0;
    const got = await download(body, lossy, () => (++n % 4 === 0 ? 0 : 1), 8);
    expect(got.map((b) => b.length)).toEqual(got.map(() => body.length));
    expect(got.every((b) => b.equals(body))).toBe(true);
  });

  it('without loss, delivers everything in order', async () => {
    const body = pattern(200_000);
    const [got] = (await download(body, { ...lossy, loss: 0 }, seeded(3))) as [Buffer];
    expect(got.equals(body)).toBe(true);
  });
});
