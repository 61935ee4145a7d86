import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A delivery as the receiver accepted it. */
export interface Received {
  key: string;
  body: Record<string, unknown>;
  attempt: number;
  at: number;
}

/**
 * A gateway started by a test: a real HTTP server that checks each delivery's HMAC-SHA256 signature
 * over "<timestamp>.<body>" on its own (node:crypto, not the server's code), accepts each idempotency
 * key once (a repeat gets 200 and is counted as a duplicate), and can fail a share of requests, answer
 * slowly, or be down.
 */
export class WebhookReceiver {
  readonly accepted = new Map<string, Received>();
  readonly duplicates: string[] = [];
  readonly badSignatures: string[] = [];
  requests = 0;
  failed = 0;
  /** Share of requests answered 503 (decided per request). */
  failRate = 0;
  /** Fail the first attempt of this share of keys (decided per key). */
  failFirstRate = 0;
  /** Answer after this many ms. */
  slowMs = 0;
  /** Refuse every request with 503. */
  down = false;
  readonly #seen = new Set<string>();
  #server: Server | undefined;
  #waiters: (() => void)[] = [];
  url = '';

  constructor(readonly secret: string, readonly rng: () => number = Math.random) {}

  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        this.requests++;
        const respond = (status: number) => {
          res.statusCode = status;
          res.end();
        };
        const ts = String(req.headers['x-hotline-timestamp'] ?? '');
        const sig = String(req.headers['x-hotline-signature'] ?? '');
        const key = String(req.headers['idempotency-key'] ?? '');
        const expected = `v1=${createHmac('sha256', this.secret).update(`${ts}.`).update(raw).digest('hex')}`;
        if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
          this.badSignatures.push(key);
          respond(401);
          return;
        }
        const firstTry = !this.#seen.has(key);
        this.#seen.add(key);
        const fail = this.down || this.rng() < this.failRate || (firstTry && this.rng() < this.failFirstRate);
        setTimeout(() => {
          if (fail) {
            this.failed++;
            respond(503);
            return;
          }
          const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
          if (body.id !== key) {
            respond(400);
            return;
          }
          if (this.accepted.has(key)) this.duplicates.push(key);
          else this.accepted.set(key, { key, body, attempt: Number(req.headers['x-hotline-attempt'] ?? 0), at: Date.now() });
          respond(200);
          for (const w of this.#waiters.splice(0)) w();
        }, this.slowMs);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/deliveries`;
    return this;
  }

  /** Resolves when `count` distinct keys were accepted. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.accepted.size < count) {
      if (Date.now() > deadline) throw new Error(`receiver got ${this.accepted.size} of ${count} deliveries within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  deliveries(): Received[] {
    return [...this.accepted.values()];
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

/** Signs a reply the way a gateway does. */
export function signReply(secret: string, body: string, ts = Date.now()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-hotline-timestamp': String(ts),
    'x-hotline-signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
  };
}
