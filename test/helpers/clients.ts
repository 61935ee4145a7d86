import { io, type Socket } from 'socket.io-client';
import type { Entry, Sig, SignedAct } from '@hotline/shared';
import { HotlineClient, type HotlineClientOptions } from '../../client-sdk/src/index.js';
import { ActionSigner } from '../../client-sdk/src/signer.js';
import { TokenSigner } from '../../server/src/auth/tokens.js';
import { TEST_SECRET } from './server.js';
import { TEST_PASSWORD } from './topology.js';

const signer = new TokenSigner(TEST_SECRET, 3_600_000);

/** A token signed with the test secret, for any user and expiry (also already-expired ones). */
export function tokenFor(userId: string, role: 'operator' | 'commander' | 'monitor' | 'admin', options: { ttlMs?: number; drill?: boolean; now?: number } = {}): string {
  return signer.issue({ id: userId, role }, options).token;
}

/** A connected SDK client that records every entry it delivers. */
export interface TestClient extends HotlineClient {
  entries: Entry[];
}

/** Logs in over HTTP and connects an SDK client; closed by the returned dispose. */
export async function connectClient(url: string, userId: string, options: Partial<HotlineClientOptions> = {}): Promise<TestClient> {
  const session = await HotlineClient.login(url, userId, TEST_PASSWORD);
  const client = new HotlineClient({
    url,
    token: session.token,
    user: session.user,
    ackTimeoutMs: 10_000,
    healthCheckMs: 0,
    socket: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 },
    ...options,
  }) as TestClient;
  client.entries = [];
  client.on('entry', (e) => client.entries.push(e));
  await client.connect();
  return client;
}

/** A bare socket.io-client connection, for sending what the SDK would never send. */
export function rawSocket(url: string, token: string | undefined): Socket {
  return io(url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
}

/** Emits with an ack and resolves with whatever the server acked (the tests assert on its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an ack of any event, to be asserted on
export function emitAck(socket: Socket, event: string, ...args: unknown[]): Promise<any> {
  return socket.timeout(5000).emitWithAck(event, ...args);
}

/** Registers a fresh signing key for `userId` over a raw socket; returns a function that signs payloads. */
export async function rawSigner(socket: Socket, userId: string, validUntil = Date.now() + 3_000_000) {
  const signer = await ActionSigner.generate();
  const sig = await signer.sign('key:register', userId, { keyId: signer.keyId, publicKey: signer.publicKey, validUntil });
  const ack = await emitAck(socket, 'key:register', { publicKey: signer.publicKey, validUntil, sig });
  if (!ack.ok) throw new Error(`key:register failed: ${JSON.stringify(ack.error)}`);
  return {
    signer,
    /** The payload with its signature added. */
    sign: async <P extends Record<string, unknown>>(act: SignedAct, payload: P): Promise<P & { sig: Sig }> => ({
      ...payload,
      sig: await signer.sign(act, userId, payload),
    }),
  };
}
