import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootResponse, ErrorCode, LoginBootResponse } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { tokenFor } from '../helpers/clients.js';
import { TEST_PASSWORD } from '../helpers/topology.js';

/**
 * The boot answer: what a console fetched in four requests (GET /api/me, /api/me/preferences,
 * /api/server-key, /api/topology) in one, for a stored token (GET /api/boot) or with the login
 * (`boot: true`). Each answer is checked against the shared schema, and against the separate routes.
 */
describe('the boot answer', () => {
  let cluster: TestCluster;
  let url: string;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1 });
    url = cluster.nodes[0]!.url;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${url}${path}`, {
      method: path.endsWith('preferences') ? 'PUT' : 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('GET /api/boot answers what /api/me, /api/me/preferences, /api/server-key and /api/topology answer, in the shared shape', async () => {
    const token = tokenFor('op-a1', 'operator');
    await post('/api/me/preferences', { language: 'ps' }, token);
    const boot = await get('/api/boot', token);
    expect(boot.status).toBe(200);
    const parsed = BootResponse.parse(boot.body);
    const [me, prefs, key, topology] = await Promise.all(['/api/me', '/api/me/preferences', '/api/server-key', '/api/topology'].map((p) => get(p, token)));
    expect({ user: parsed.user, expiresAt: parsed.expiresAt, drill: parsed.drill }).toEqual(me!.body);
    expect(parsed.preferences).toEqual(prefs!.body);
    expect(parsed.preferences.preferences.language).toBe('ps');
    expect(parsed.serverKey).toEqual(key!.body);
    expect(parsed.topology).toEqual(topology!.body);
  });

  it('says when a token allows exercise traffic only', async () => {
    const boot = BootResponse.parse((await get('/api/boot', tokenFor('op-a1', 'operator', { drill: true }))).body);
    expect(boot.drill).toBe(true);
  });

  it('the login with boot: true carries it beside the new token; without it the login answers as before', async () => {
    const withBoot = await post('/api/auth/login', { username: 'op-b1', password: TEST_PASSWORD, boot: true });
    expect(withBoot.status).toBe(200);
    const parsed = LoginBootResponse.parse(withBoot.body);
    expect(parsed.boot.user).toEqual(parsed.user);
    expect(parsed.boot.topology).toEqual((await get('/api/topology', parsed.token)).body);
    const plain = await post('/api/auth/login', { username: 'op-b1', password: TEST_PASSWORD });
    expect(plain.status).toBe(200);
    expect(Object.keys(plain.body).sort()).toEqual(['expiresAt', 'token', 'user']);
  });

  it('refuses a missing or bad token, a wrong password and a malformed boot flag, with their codes', async () => {
    expect(await get('/api/boot')).toMatchObject({ status: 401, body: { error: { code: ErrorCode.UNAUTHENTICATED } } });
    expect(await get('/api/boot', 'not-a-token')).toMatchObject({ status: 401, body: { error: { code: ErrorCode.UNAUTHENTICATED } } });
    expect(await post('/api/auth/login', { username: 'op-b1', password: 'wrong', boot: true })).toMatchObject({ status: 401, body: { error: { code: ErrorCode.UNAUTHENTICATED } } });
    expect(await post('/api/auth/login', { username: 'op-b1', password: TEST_PASSWORD, boot: 'yes' })).toMatchObject({ status: 400, body: { error: { code: ErrorCode.VALIDATION_FAILED } } });
  });
});
