import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { HotlineClient } from '@hotline/client-sdk';
import { verifyP256 } from '../../client-sdk/src/signer.js';
import { PushPayload, signingInput, verifyExport, type Entry } from '@hotline/shared';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { PushGrants } from '../../server/src/notify/push-grant.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { PushEndpoint } from '../helpers/push-endpoint.js';
import { TEST_SECRET } from '../helpers/server.js';
import { FAST_POLICIES, TEST_PASSWORD } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Acknowledging from a push notification, server side: the push the server encrypts carries a grant
 * bound to (user, session, device key, alerts, expiry); POST /api/alerts/ack-from-push with the grant and
 * the device's signature acknowledges through the alert:ack path (signed entry, `via: push`). Every
 * refusal has its code and reason and writes nothing.
 */
describe('acknowledging from a push notification', () => {
  const vapid = webpush.generateVAPIDKeys();
  const endpoint = new PushEndpoint(vapid.publicKey);
  let cluster: TestCluster;
  let url: string;
  let sup: TestClient;
  let supToken: string;
  let raiser: TestClient;
  let device: ReturnType<PushEndpoint['subscribe']>;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    await endpoint.start();
    cluster = await startCluster({
      nodes: 1,
      env: { HOTLINE_VAPID_PUBLIC_KEY: vapid.publicKey, HOTLINE_VAPID_PRIVATE_KEY: vapid.privateKey, HOTLINE_NOTIFY_BACKOFF: '50ms' },
      topology: {
        policies: [...FAST_POLICIES, { id: 'once', name: 'once', onCounterpartOffline: 'wait', levels: [{ delay: 200, targets: ['counterpart-supervisors'] }] }],
        policySelection: { default: 'once', drill: 'once' },
        extra: { notifications: { push: { subject: 'mailto:ops@example.org', ttl: '5m', grantTtl: '10m' }, bundleWindow: 0 } },
      },
    });
    url = cluster.nodes[0]!.url;
    const session = await HotlineClient.login(url, 'sup-b1', TEST_PASSWORD);
    supToken = session.token;
    sup = await connectClient(url, 'sup-b1', { token: session.token, user: session.user });
    raiser = await connectClient(url, 'op-a1');
    clients.push(sup, raiser);
    device = endpoint.subscribe();
    // The console subscribes with the key it registered in this session.
    const res = await fetch(`${url}/api/notifications/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${supToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: device.endpoint, keys: device.keys, device: 'test phone', keyId: sup.keyId }),
    });
    expect(res.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    await endpoint.close();
  });

  const ackFromPush = async (body: unknown) => {
    const res = await fetch(`${url}/api/alerts/ack-from-push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { ok?: true; acknowledged?: { alertId: string; state: string; entrySeq: number | null }[]; error?: { code: string; details?: { reason?: string } } } };
  };
  const alertState = async (alertId: string) =>
    ((await (await fetch(`${url}/api/alerts/${alertId}`, { headers: { authorization: `Bearer ${tokenFor('joint', 'commander')}` } })).json()) as { alert: { state: string } }).alert.state;

  /** Raises an alert at a1 and waits for the push to the supervisor of b1, decrypted with the device's keys. */
  async function raiseAndPush(description: string): Promise<{ alertId: string; payload: PushPayload }> {
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 2, description });
    const got = await waitFor(() => endpoint.received.find((r) => r.path === device.path && r.payload.includes(alert.alertId)), { message: 'no push' });
    return { alertId: alert.alertId, payload: PushPayload.parse(JSON.parse(got.payload)) };
  }
  const sign = (alertId: string, quotedHash: string) => sup.sign('alert:ack', { alertId, quotedHash }).then((s) => s!);

  it('the push carries a grant; the signed acknowledgement goes through the alert:ack path, marked via push', async () => {
    const { alertId, payload } = await raiseAndPush('Drone over the ridge');
    expect(payload.ack).toBeDefined();
    const ack = payload.ack!;
    expect(ack.url).toBe('/api/alerts/ack-from-push');
    expect(ack.alerts).toHaveLength(1);
    expect(ack.alerts[0]!.alertId).toBe(alertId);
    expect(ack.expiresAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    // The grant names the session's device key and never passes as a session token.
    const claims = JSON.parse(Buffer.from(ack.grant.split('.')[1]!, 'base64url').toString()) as { kid: string; sub: string; aud: string; role?: string };
    expect(claims).toMatchObject({ kid: sup.keyId, sub: 'sup-b1', aud: 'hotline:push-ack' });
    expect(claims.role).toBeUndefined();
    const asToken = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${ack.grant}` } });
    expect(asToken.status).toBe(401);

    const sig = await sign(alertId, ack.alerts[0]!.quotedHash);
    const res = await ackFromPush({ grant: ack.grant, acks: [{ alertId, quotedHash: ack.alerts[0]!.quotedHash, sig }] });
    expect(res.status).toBe(200);
    expect(res.body.acknowledged).toEqual([{ alertId, state: 'acknowledged', entrySeq: expect.any(Number) }]);
    expect(await alertState(alertId)).toBe('acknowledged');

    // The entry is the device's signed acknowledgement, verifiable like one made in the console.
    const entry = await waitFor(() => raiser.entries.find((e) => e.type === 'alert.acknowledged' && e.payload.alertId === alertId));
    expect(entry.actor.userId).toBe('sup-b1');
    expect(entry.sig?.keyId).toBe(sup.keyId);
    expect((entry.payload as { via?: unknown }).via).toEqual({ channel: 'push' });
    const registered = raiser.entries.find((e): e is Extract<Entry, { type: 'key.registered' }> => e.type === 'key.registered' && e.payload.keyId === sup.keyId);
    expect(registered).toBeDefined();
    expect(await verifyP256(registered!.payload.publicKey, signingInput('alert:ack', 'sup-b1', entry.payload as Record<string, unknown>), entry.sig!.value)).toBe(true);

    // The link's exported record verifies with every signature required, the push acknowledgement among them.
    const exported = await (await fetch(`${url}/api/links/l1/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } })).text();
    const report = await verifyExport(exported.split('\n'), nodeVerifyCrypto(), { requireSignatures: true });
    expect(report.firstBad).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.counts.unsigned).toBe(0);

    // On the alert's record of notifications; a second press is a repeat that writes nothing.
    const attempts = (await (await fetch(`${url}/api/alerts/${alertId}/notifications`, { headers: { authorization: `Bearer ${tokenFor('joint', 'commander')}` } })).json()) as {
      attempts: { kind: string; channel: string }[];
    };
    expect(attempts.attempts.some((a) => a.kind === 'acknowledged-through' && a.channel === 'push')).toBe(true);
    const again = await ackFromPush({ grant: ack.grant, acks: [{ alertId, quotedHash: ack.alerts[0]!.quotedHash, sig }] });
    expect(again.body.acknowledged).toEqual([{ alertId, state: 'acknowledged', entrySeq: null }]);
  });

  it("a drill session's console gets grants for exercise alerts only", async () => {
    const drillDevice = endpoint.subscribe();
    const res = await fetch(`${url}/api/notifications/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor('sup-b1', 'operator', { drill: true })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: drillDevice.endpoint, keys: drillDevice.keys, device: 'drill tablet', keyId: 'd'.repeat(32) }),
    });
    expect(res.status).toBe(200);
    const pushed = async (drill: boolean) => {
      const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 2, description: drill ? 'Exercise drone' : 'Real drone', drill });
      const got = await waitFor(() => endpoint.received.find((r) => r.path === drillDevice.path && r.payload.includes(alert.alertId)), { message: 'no push' });
      return PushPayload.parse(JSON.parse(got.payload));
    };
    expect((await pushed(false)).ack).toBeUndefined();
    const exercise = await pushed(true);
    expect(exercise.drill).toBe(true);
    expect(exercise.title.startsWith('EXERCISE')).toBe(true);
    const claims = JSON.parse(Buffer.from(exercise.ack!.grant.split('.')[1]!, 'base64url').toString()) as { drill?: boolean };
    expect(claims.drill).toBe(true);
    // Unsubscribed again, so the other cases see only the console's own device.
    const auth = { authorization: `Bearer ${tokenFor('sup-b1', 'operator')}` };
    const { devices } = (await (await fetch(`${url}/api/notifications/push`, { headers: auth })).json()) as { devices: { id: string; device: string | null }[] };
    const id = devices.find((d) => d.device === 'drill tablet')!.id;
    expect((await fetch(`${url}/api/notifications/push/${id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
  });

  it('refuses a forged, expired or misused grant and a signature by another key, each with its reason, writing nothing', async () => {
    const { alertId, payload } = await raiseAndPush('Second drone');
    const ack = payload.ack!;
    const quotedHash = ack.alerts[0]!.quotedHash;
    const sig = await sign(alertId, quotedHash);
    const grants = new PushGrants(TEST_SECRET);
    const entriesBefore = raiser.entries.length;

    const [h, p, s] = ack.grant.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { alerts: string[]; sid: string };
    const sid = claims.sid;
    const widened = Buffer.from(JSON.stringify({ ...claims, alerts: [...claims.alerts, 'AL-l1-999'] })).toString('base64url');
    const expired = (await grants.issue({ sub: 'sup-b1', sid: sid, kid: sup.keyId!, alerts: [alertId] }, Date.now() - 1000)).grant;
    const otherAlert = (await grants.issue({ sub: 'sup-b1', sid: sid, kid: sup.keyId!, alerts: ['AL-l1-999'] }, Date.now() + 60_000)).grant;
    const otherKey = (await grants.issue({ sub: 'sup-b1', sid: sid, kid: 'f'.repeat(32), alerts: [alertId] }, Date.now() + 60_000)).grant;
    const body = (grant: string, extra: Record<string, unknown> = {}) => ({ grant, acks: [{ alertId, quotedHash, sig, ...extra }] });

    const cases: [string, unknown, number, string, string][] = [
      ['forged (claims changed)', body(`${h}.${widened}.${s}`), 401, 'UNAUTHENTICATED', 'bad-grant'],
      ['forged (not a JWT)', body('not-a-grant'), 401, 'UNAUTHENTICATED', 'bad-grant'],
      ['expired', body(expired), 401, 'UNAUTHENTICATED', 'grant-expired'],
      ['for another alert', body(otherAlert), 403, 'FORBIDDEN', 'not-in-grant'],
      ['bound to another key', body(otherKey), 403, 'FORBIDDEN', 'wrong-key'],
      ['signature over something else', body(ack.grant, { quotedHash: 'a'.repeat(64) }), 401, 'BAD_SIGNATURE', 'bad-signature'],
      ['no body', {}, 400, 'VALIDATION_FAILED', 'bad-body'],
    ];
    for (const [name, b, status, code, reason] of cases) {
      const res = await ackFromPush(b);
      expect({ name, status: res.status, code: res.body.error?.code, reason: res.body.error?.details?.reason ?? null }).toEqual({ name, status, code, reason });
    }
    expect(await alertState(alertId)).toBe('open');
    expect(raiser.entries.slice(entriesBefore).filter((e) => e.type === 'alert.acknowledged')).toEqual([]);

    // A revoked session's grant is refused too (and its key with it).
    const revoke = await fetch(`${url}/api/admin/users/sup-b1/sessions/${sid}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${tokenFor('admin', 'admin')}` } });
    expect(revoke.status).toBe(200);
    const revoked = await ackFromPush(body(ack.grant));
    expect(revoked.status).toBe(401);
    expect(revoked.body.error?.details?.reason).toBe('session-revoked');
    expect(await alertState(alertId)).toBe('open');
  });
});
