import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type LoginResponse, type SessionUser } from '@hotline/shared';
import { HotlineClient, HotlineError, apiFetch, type GetToken, type HotlineClientOptions, type TokenGrant } from '../../client-sdk/src/index.js';
import { TokenSigner } from '../../server/src/auth/tokens.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { TEST_SECRET } from '../helpers/server.js';
import { TEST_PASSWORD } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Token renewal through the SDK's getToken: before the token expires, and when the server refuses it,
 * against real server processes (which drop a socket when its token expires and refuse expired tokens
 * at the handshake and on every event).
 */

let cluster: TestCluster;
const closers: { close(): void }[] = [];
const signer = new TokenSigner(TEST_SECRET, 3_600_000);

beforeAll(async () => {
  cluster = await startCluster({ nodes: 1 });
});

afterAll(async () => {
  for (const c of closers) c.close();
  await cluster?.stop();
});

/** A token for an operator, expiring in `ttlMs` (already expired when negative). */
function grant(userId: string, ttlMs: number): TokenGrant {
  const { token, claims } = signer.issue({ id: userId, role: 'operator' }, { ttlMs });
  return { token, expiresAt: claims.exp };
}

async function sessionUser(userId: string): Promise<SessionUser> {
  return (await HotlineClient.login(cluster.nodes[0]!.url, userId, TEST_PASSWORD)).user;
}

function client(options: Omit<HotlineClientOptions, 'url'>): HotlineClient {
  const c = new HotlineClient({
    url: cluster.nodes[0]!.url,
    ackTimeoutMs: 10_000,
    healthCheckMs: 0,
    socket: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 },
    ...options,
  });
  closers.push(c);
  return c;
}

const texts = (c: TestClient, linkId: string) => c.entries.filter((e) => e.linkId === linkId && e.type === 'message').map((e) => (e.payload as { text: string }).text);

describe('token renewal through getToken', () => {
  it('renews a short token before it expires, reconnects with the new one, and keeps signing past the old expiry', async () => {
    const peer = await connectClient(cluster.nodes[0]!.url, 'op-b1');
    closers.push(peer);
    const first = grant('op-a1', 4000);
    const calls: string[] = [];
    // As the console does: the refresh endpoint, with the token the client holds now.
    const getToken: GetToken = async () => {
      calls.push(a.token);
      return apiFetch<LoginResponse>(cluster.nodes[0]!.url, '/api/auth/refresh', { token: a.token, method: 'POST' });
    };
    const unauthenticated: string[] = [];
    const a = client({ token: first.token, expiresAt: first.expiresAt, user: await sessionUser('op-a1'), links: ['l1'], getToken, refreshBeforeExpiryMs: 2000 });
    a.on('unauthenticated', (reason) => unauthenticated.push(reason));
    await a.connect();
    const firstKey = a.keyId;
    await a.send('l1', 'before renewal');

    await waitFor(() => calls.length === 1 && a.token !== first.token && a.status === 'connected' && a.keyId !== firstKey, {
      message: 'renewed and reconnected',
    });
    expect(calls).toEqual([first.token]);
    expect(a.expiresAt).toBeGreaterThan(first.expiresAt + 60_000);

    // Past the first token's expiry the server would have dropped that socket and refused its events.
    await waitFor(() => Date.now() > first.expiresAt + 1000, { timeout: 15_000 });
    const { entry } = await a.send('l1', 'after the first token expired');
    expect(entry.sig?.keyId).toBe(a.keyId);
    expect((await a.api<{ user: SessionUser }>('/api/me')).user.id).toBe('op-a1');
    await waitFor(() => texts(peer, 'l1').includes('after the first token expired'));
    expect(texts(peer, 'l1').filter((t) => t === 'before renewal' || t === 'after the first token expired')).toEqual(['before renewal', 'after the first token expired']);
    expect(unauthenticated).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('without getToken, the same short token ends in unauthenticated when it expires', async () => {
    const first = grant('op-a2', 2500);
    const a = client({ token: first.token, expiresAt: first.expiresAt, user: await sessionUser('op-a2'), links: ['l2'] });
    const unauthenticated: string[] = [];
    a.on('unauthenticated', (reason) => unauthenticated.push(reason));
    await a.connect();
    await waitFor(() => unauthenticated.length > 0, { timeout: 15_000 });
    expect(a.status).toBe('offline');
    await expect(a.request('hotline:send', { linkId: 'l2', clientMsgId: 'too-late-1', text: 'too late' })).rejects.toMatchObject({ code: ErrorCode.DISCONNECTED });
  });

  it('a token refused at the handshake is replaced through getToken, and connect() resolves', async () => {
    const expired = grant('op-a3', -60_000);
    let calls = 0;
    const a = client({
      token: expired.token,
      expiresAt: expired.expiresAt,
      user: await sessionUser('op-a3'),
      links: ['l3'],
      getToken: async () => {
        calls++;
        return grant('op-a3', 3_600_000);
      },
    });
    await a.connect();
    expect(calls).toBe(1);
    expect(a.status).toBe('connected');
    const { entry } = await a.send('l3', 'after a refused handshake');
    expect(entry.seq).toBeGreaterThan(0);
  });

  it('retries a getToken that fails for a passing reason, then connects', async () => {
    const expired = grant('op-a1', -60_000);
    let calls = 0;
    const a = client({
      token: expired.token,
      expiresAt: expired.expiresAt,
      user: await sessionUser('op-a1'),
      links: ['l1'],
      getToken: async () => {
        if (++calls < 3) throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: 'cannot reach the server' });
        return grant('op-a1', 3_600_000);
      },
    });
    await a.connect();
    expect(calls).toBe(3);
  });

  it('ends in unauthenticated, once, when getToken refuses, gives an expired token, or one the server refuses too', async () => {
    for (const getToken of [
      async () => {
        throw new HotlineError({ code: ErrorCode.UNAUTHENTICATED, message: 'session revoked' });
      },
      // Expired already: useless, so never presented.
      async () => grant('op-a2', -1000),
      // Looks valid, but the server refuses it (signed with another secret).
      async () => ({ token: new TokenSigner('another-secret-0123456789-abcdefghij', 3_600_000).issue({ id: 'op-a2', role: 'operator' }).token, expiresAt: Date.now() + 3_600_000 }),
    ] satisfies GetToken[]) {
      const expired = grant('op-a2', -60_000);
      let calls = 0;
      const a = client({
        token: expired.token,
        expiresAt: expired.expiresAt,
        user: await sessionUser('op-a2'),
        links: ['l2'],
        getToken: () => {
          calls++;
          return getToken();
        },
      });
      const unauthenticated: string[] = [];
      a.on('unauthenticated', (reason) => unauthenticated.push(reason));
      await expect(a.connect()).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
      expect(calls).toBe(1);
      expect(unauthenticated).toHaveLength(1);
      expect(a.status).toBe('offline');
      a.close();
    }
  });
});
