import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const b64u = (b: Buffer) => b.toString('base64url');

/** A browser's side of a push subscription: its P-256 key pair and auth secret. */
export class PushDevice {
  readonly ecdh = createECDH('prime256v1');
  readonly auth = randomBytes(16);
  constructor() {
    this.ecdh.generateKeys();
  }
  get keys(): { p256dh: string; auth: string } {
    return { p256dh: b64u(this.ecdh.getPublicKey()), auth: b64u(this.auth) };
  }

  /** Decrypts an aes128gcm body (RFC 8188 framing, RFC 8291 key derivation) with this device's keys. */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const rs = body.readUInt32BE(16);
    const idlen = body[20]!;
    const asPublic = body.subarray(21, 21 + idlen);
    const records = body.subarray(21 + idlen);
    if (records.length > rs) throw new Error('more than one record');
    const uaPublic = this.ecdh.getPublicKey();
    const ecdhSecret = this.ecdh.computeSecret(asPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
    const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, this.auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(records.subarray(records.length - 16));
    const plain = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
    // The last record ends with the delimiter 0x02, then zero padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (plain[end] !== 2) throw new Error('missing last-record delimiter');
    return plain.subarray(0, end).toString('utf8');
  }
}

export interface PushReceived {
  path: string;
  payload: string;
  ttl: string | undefined;
  urgency: string | undefined;
  jwt: { aud: string; exp: number; sub: string };
}

/**
 * A push service started by a test: checks the VAPID authorization (RFC 8292: an ES256 JWT whose `aud`
 * is this origin, signed by the key in `k`, which must be the deployment's public key), decrypts the
 * body with the device registered for the path, and answers 201; paths in `gone` answer 410.
 */
export class PushEndpoint {
  readonly received: PushReceived[] = [];
  readonly refused: string[] = [];
  readonly devices = new Map<string, PushDevice>();
  readonly gone = new Set<string>();
  #server: Server | undefined;
  origin = '';

  constructor(readonly vapidPublicKey: string) {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        try {
          if (this.gone.has(path)) {
            res.statusCode = 410;
            res.end();
            return;
          }
          const jwt = this.#checkVapid(String(req.headers.authorization ?? ''));
          if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
          const device = this.devices.get(path);
          if (!device) throw new Error(`no device at ${path}`);
          const payload = device.decrypt(Buffer.concat(chunks));
          this.received.push({ path, payload, ttl: req.headers.ttl as string | undefined, urgency: req.headers.urgency as string | undefined, jwt });
          res.statusCode = 201;
          res.end();
        } catch (err) {
          this.refused.push(`${path}: ${(err as Error).message}`);
          res.statusCode = 400;
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new device subscribed at a fresh path; returns the subscription JSON a browser would give. */
  subscribe(): { endpoint: string; keys: { p256dh: string; auth: string }; device: PushDevice; path: string } {
    const path = `/push/${randomBytes(8).toString('hex')}`;
    const device = new PushDevice();
    this.devices.set(path, device);
    return { endpoint: `${this.origin}${path}`, keys: device.keys, device, path };
  }

  #checkVapid(header: string): { aud: string; exp: number; sub: string } {
    const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
    if (!m) throw new Error(`bad authorization header: ${header}`);
    const [, token, k] = m as unknown as [string, string, string];
    if (k !== this.vapidPublicKey) throw new Error('k is not the deployment key');
    const [h, p, s] = token.split('.') as [string, string, string];
    const raw = Buffer.from(k, 'base64url');
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33, 65)) }, format: 'jwk' });
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('JWT signature does not verify');
    const header0 = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string };
    if (header0.alg !== 'ES256') throw new Error('JWT not ES256');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud: string; exp: number; sub: string };
    if (claims.aud !== this.origin) throw new Error(`aud ${claims.aud} is not ${this.origin}`);
    const now = Date.now() / 1000;
    if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error('exp out of range');
    return claims;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
