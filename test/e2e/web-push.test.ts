import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { PushPayload, type NotificationAttempt } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { PushEndpoint } from '../helpers/push-endpoint.js';
import { FAST_POLICIES } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

describe('Web Push to subscribed devices', () => {
  const vapid = webpush.generateVAPIDKeys();
  const endpoint = new PushEndpoint(vapid.publicKey);
  let cluster: TestCluster;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    await endpoint.start();
    cluster = await startCluster({
      nodes: 1,
      env: { HOTLINE_VAPID_PUBLIC_KEY: vapid.publicKey, HOTLINE_VAPID_PRIVATE_KEY: vapid.privateKey, HOTLINE_NOTIFY_BACKOFF: '50ms' },
      topology: {
        policies: [...FAST_POLICIES, { id: 'once', name: 'once', onCounterpartOffline: 'wait', levels: [{ delay: 300, targets: ['counterpart-supervisors'] }] }],
        policySelection: { default: 'once', drill: 'once' },
        extra: { notifications: { push: { subject: 'mailto:ops@example.org', ttl: '5m' }, bundleWindow: 0 } },
      },
    });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    await endpoint.close();
  });

  const api = (path: string, user: string, init: RequestInit = {}, role: 'operator' | 'commander' = 'operator') =>
    fetch(`${cluster.nodes[0]!.url}/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${tokenFor(user, role)}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  it('an escalation is pushed, encrypted for the device (RFC 8291) and signed (VAPID); an expired subscription is dropped', async () => {
    const live = endpoint.subscribe();
    const expired = endpoint.subscribe();
    endpoint.gone.add(expired.path);
    for (const s of [live, expired]) {
      const res = await api('/notifications/push', 'sup-b1', { method: 'POST', body: JSON.stringify({ endpoint: s.endpoint, keys: s.keys, device: 'phone' }) });
      expect(res.status).toBe(200);
    }
    const bad = await api('/notifications/push', 'sup-b1', { method: 'POST', body: JSON.stringify({ endpoint: 'not a url', keys: live.keys }) });
    expect(bad.status).toBe(400);
    const info = (await (await api('/notifications/push', 'sup-b1')).json()) as { publicKey: string; devices: unknown[] };
    expect(info.publicKey).toBe(vapid.publicKey);
    expect(info.devices).toHaveLength(2);

    const raiser = await connectClient(cluster.nodes[0]!.url, 'op-a1');
    clients.push(raiser, await connectClient(cluster.nodes[0]!.url, 'op-b1'));
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'artillery-mortar', severity: 3, description: 'Shelling near the post' });
    const got = await waitFor(() => endpoint.received.find((r) => r.path === live.path));
    expect(endpoint.refused).toEqual([]);
    expect(got.jwt.sub).toBe('mailto:ops@example.org');
    expect(got.ttl).toBe('300');
    const payload = PushPayload.parse(JSON.parse(got.payload));
    expect(payload).toMatchObject({ v: 1, event: 'escalation', drill: false, items: [{ id: alert.alertId, subject: 'alert', step: 1 }] });
    expect(payload.title).toContain('Artillery/mortar');

    // The 410 subscription is gone from the user's devices.
    await waitFor(async () => ((await (await api('/notifications/push', 'sup-b1')).json()) as { devices: unknown[] }).devices.length === 1, { message: 'expired subscription kept' });
    // The records follow the deliveries (the 410's failure is written after the subscription is dropped).
    const attempts = async () =>
      ((await (await api(`/alerts/${alert.alertId}/notifications`, 'joint', {}, 'commander')).json()) as { attempts: NotificationAttempt[] }).attempts;
    await waitFor(async () => (await attempts()).some((a) => a.kind === 'delivered' && a.channel === 'push'), { message: 'no delivered record' });
    await waitFor(async () => (await attempts()).some((a) => a.kind === 'failed' && a.detail?.includes('410') === true), { message: 'no 410 record' });
  });
});
