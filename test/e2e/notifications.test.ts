import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry, NotificationAttempt, TopologyInput } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { readLog, verifiedLog } from '../helpers/log.js';
import { FAST_POLICIES } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';
import { signReply, WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'sms-gateway-secret-0123456789';
const RADIO_SECRET = 'radio-gateway-secret-0123456789';

function notificationsSection(sms: string, radio: string, bundleWindow: number): TopologyInput['notifications'] {
  return {
    gateways: [
      { id: 'sms', kind: 'sms', url: sms, secret: SECRET, events: ['escalation', 'alert', 'flash'], deadline: '2m', timeout: '2s' },
      { id: 'radio', kind: 'radio', url: radio, secret: RADIO_SECRET, events: ['escalation'], liveOnly: true, deadline: '2m', timeout: '2s' },
    ],
    bundleWindow,
    defaultRules: [],
    contacts: {
      'sup-b1': [{ channel: 'gateway', gateway: 'sms', address: '+92 300 000 0001' }],
      'sup-b2': [{ channel: 'gateway', gateway: 'sms', address: '+92 300 000 0002' }],
      'cmd-sa1': [{ channel: 'gateway', gateway: 'sms', address: '+92 300 000 0003' }],
      'sup-b3': [
        { channel: 'gateway', gateway: 'sms', address: '+92 300 000 0004' },
        { channel: 'gateway', gateway: 'radio', address: 'RADIO-7' },
      ],
    },
  };
}

const POLICIES: TopologyInput['escalationPolicies'] = [
  ...FAST_POLICIES,
  { id: 'once', name: 'once', onCounterpartOffline: 'wait', levels: [{ delay: 300, targets: ['counterpart-supervisors'] }] },
];

async function postReply(url: string, gateway: string, body: object, options: { secret?: string; ts?: number } = {}) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${url}/api/gateways/${gateway}/replies`, { method: 'POST', headers: signReply(options.secret ?? SECRET, raw, options.ts), body: raw });
  return { status: res.status, body: (await res.json()) as { ok?: boolean; error?: { code: string; details?: { reason?: string } }; acknowledged?: { alertId: string; state: string }[] } };
}

async function attemptsOf(url: string, user: string, alertId: string): Promise<NotificationAttempt[]> {
  const res = await fetch(`${url}/api/alerts/${alertId}/notifications`, { headers: { authorization: `Bearer ${tokenFor(user, 'commander')}` } });
  return ((await res.json()) as { attempts: NotificationAttempt[] }).attempts;
}

describe('gateways: signed webhooks, replies, contact rules', () => {
  let cluster: TestCluster;
  const sms = new WebhookReceiver(SECRET);
  const radio = new WebhookReceiver(RADIO_SECRET);
  const clients: TestClient[] = [];
  const connect = async (user: string, node = 0) => {
    const c = await connectClient(cluster.nodes[node]!.url, user);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    await sms.start();
    await radio.start();
    cluster = await startCluster({
      nodes: 2,
      env: { HOTLINE_NOTIFY_BACKOFF: '50ms', HOTLINE_NOTIFY_BACKOFF_MAX: '400ms', HOTLINE_NOTIFY_LOCK: '1500ms', HOTLINE_SIGNATURES: 'required' },
      topology: {
        policies: POLICIES,
        policySelection: { default: 'fast', byLink: { l2: 'once', l3: 'once' }, drill: 'once' },
        extra: { notifications: notificationsSection(sms.url, radio.url, 0) },
      },
    });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    await sms.close();
    await radio.close();
  });

  it('an escalation reaches the supervisor by a signed SMS webhook; "ACK <code>" acknowledges it, recorded as through the gateway', async () => {
    const raiser = await connect('op-a1');
    const watcher = await connect('op-b1', 1);
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'small-arms-fire', severity: 2, description: 'Firing from the ridge near the river crossing, two positions, continuing' });
    await waitFor(() => sms.deliveries().find((d) => (d.body.to as { userId: string }).userId === 'sup-b1'), { message: 'no SMS for sup-b1' });
    const d = sms.deliveries().find((x) => (x.body.to as { userId: string }).userId === 'sup-b1')!;
    expect(sms.badSignatures).toEqual([]);
    expect(d.body).toMatchObject({ v: 1, gateway: 'sms', event: 'escalation', drill: false, to: { userId: 'sup-b1', address: '+92 300 000 0001' } });
    const code = d.body.code as string;
    expect(code).toMatch(/^\d{4}$/);
    const text = d.body.text as string;
    expect(text).toContain(`Reply ACK ${code}`);
    expect(text.length).toBeLessThanOrEqual(160);
    expect((d.body.items as { id: string }[]).map((i) => i.id)).toEqual([alert.alertId]);

    // Refusals first: each with its code, nothing written.
    const url = cluster.nodes[1]!.url;
    const acks = async () => (await readLog(cluster.redis.client(), 'l1')).filter((e) => e.type === 'alert.acknowledged').length;
    const before = await acks();
    const reply = { messageId: 'm-1', from: '+923000000001', text: `ack ${code}` };
    expect((await postReply(url, 'sms', reply, { secret: 'not-the-secret-000000' })).body.error).toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'bad-signature' } });
    expect((await postReply(url, 'sms', reply, { ts: Date.now() - 3_600_000 })).body.error).toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'stale-timestamp' } });
    expect((await postReply(url, 'sms', { ...reply, text: 'ACK 99999999' })).body.error).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'unknown-code' } });
    expect((await postReply(url, 'sms', { ...reply, from: '+10000000000' })).body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'unknown-contact' } });
    expect((await postReply(url, 'sms', { ...reply, text: 'yes' })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { reason: 'unreadable-reply' } });
    expect((await postReply(url, 'nope', reply)).status).toBe(404);
    expect(await acks()).toBe(before);

    const acked = new Promise<Entry>((resolve) => watcher.on('entry', (e) => e.type === 'alert.acknowledged' && resolve(e)));
    const ok = await postReply(url, 'sms', reply);
    expect(ok.status).toBe(200);
    expect(ok.body.acknowledged).toEqual([{ alertId: alert.alertId, state: 'acknowledged', entrySeq: expect.any(Number) }]);
    const entry = await acked;
    expect(entry.actor).toMatchObject({ userId: 'sup-b1', postId: 'b1' });
    expect(entry.sig).toBeUndefined();
    expect(entry.payload).toMatchObject({ alertId: alert.alertId, via: { channel: 'gateway', gateway: 'sms', messageId: 'm-1', code } });

    // The same reply again is a replay.
    expect((await postReply(url, 'sms', reply)).body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'replayed' } });
    // The verifier accepts the record, counting the acknowledgement as made through a gateway.
    await verifiedLog(cluster.redis.client(), 'l1');

    const attempts = await attemptsOf(url, 'joint', alert.alertId);
    const kinds = attempts.filter((a) => a.userId === 'sup-b1').map((a) => a.kind);
    expect(kinds).toEqual(expect.arrayContaining(['queued', 'sent', 'delivered', 'acknowledged-through']));
    // The reports count the time to the first delivery and to the acknowledgement.
    const report = (await (await fetch(`${url}/api/notifications/report?from=${alert.raisedAt}`, { headers: { authorization: `Bearer ${tokenFor('joint', 'commander')}` } })).json()) as {
      delivered: number;
      escalationToFirstDeliveryMs: { count: number };
      escalationToAcknowledgementMs: { count: number };
    };
    expect(report.delivered).toBeGreaterThanOrEqual(1);
    expect(report.escalationToAcknowledgementMs.count).toBeGreaterThanOrEqual(1);
  });

  it('a user who may not acknowledge the alert in the console may not by SMS either', async () => {
    const raiser = await connect('op-a1');
    // Level 2 of the fast policy reaches the raiser's commander, who does not cover the counterpart post.
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 2, description: 'Drone overhead' });
    await waitFor(() => sms.deliveries().find((d) => (d.body.to as { userId: string }).userId === 'cmd-sa1' && (d.body.items as { id: string }[])[0]!.id === alert.alertId), {
      message: 'no SMS for cmd-sa1',
    });
    const d = sms.deliveries().find((x) => (x.body.to as { userId: string }).userId === 'cmd-sa1' && (x.body.items as { id: string }[])[0]!.id === alert.alertId)!;
    const before = (await readLog(cluster.redis.client(), 'l1')).length;
    const res = await postReply(cluster.nodes[0]!.url, 'sms', { messageId: 'm-2', from: '+923000000003', text: `ACK ${d.body.code as string}` });
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'not-permitted' } });
    const after = await readLog(cluster.redis.client(), 'l1');
    expect(after.slice(before).filter((e) => e.type === 'alert.acknowledged')).toEqual([]);
  });

  it("an escalation's whole contact plan, every target's, is on the record before any step of it runs", async () => {
    // Level 2 of the fast policy reaches two commanders: cmd-sb1 by SMS and radio at once (own rules), cmd-sa1 by SMS.
    const put = await fetch(`${cluster.nodes[0]!.url}/api/notifications/contacts`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokenFor('cmd-sb1', 'commander')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ channel: 'gateway', gateway: 'sms', address: '+92 300 000 0009' }, { channel: 'gateway', gateway: 'radio', address: 'RADIO-9' }] }),
    });
    expect(put.status).toBe(200);
    const raiser = await connect('op-a1');
    const counterpart = await connect('op-b2', 1);
    const { alert } = await raiser.raiseAlert({ linkId: 'l4', kind: 'drone', severity: 2, description: 'Drone over the crossing' });
    // Whoever reads the record while the level is under way (a console does, as the escalation arrives)
    // sees the level's plan whole or not at all.
    const seen: NotificationAttempt[][] = [];
    const delivered = (list: NotificationAttempt[], user: string, channel: string) => list.some((a) => a.userId === user && a.channel === channel && a.kind === 'delivered');
    await waitFor(
      async () => {
        const list = await attemptsOf(cluster.nodes[1]!.url, 'joint', alert.alertId);
        seen.push(list);
        return delivered(list, 'cmd-sb1', 'gateway:sms') && delivered(list, 'cmd-sb1', 'gateway:radio') && delivered(list, 'cmd-sa1', 'gateway:sms');
      },
      { interval: 1, timeout: 20_000, message: 'level 2 was not delivered to both commanders' },
    );
    const final = seen.at(-1)!;
    const step = final.find((a) => a.userId === 'cmd-sa1')!.step;
    const plan = (list: NotificationAttempt[]) => list.filter((a) => a.step === step && a.kind === 'queued').map((a) => `${a.userId} ${a.channel}`).sort();
    expect(plan(final)).toEqual(['cmd-sa1 gateway:sms', 'cmd-sb1 gateway:radio', 'cmd-sb1 gateway:sms']);
    const partial = seen.filter((list) => list.some((a) => a.step === step) && plan(list).length !== 3);
    expect(partial).toEqual([]);
    // In the record itself, the plan comes before the first thing any of its steps did.
    const firstDone = final.findIndex((a) => a.step === step && a.kind !== 'queued');
    expect(final.slice(firstDone).filter((a) => a.step === step && a.kind === 'queued')).toEqual([]);
    await counterpart.ackAlert(alert.alertId);
  });

  it('contact rules step from SMS to radio after the set delay, and stop at an acknowledgement', async () => {
    const raiser = await connect('op-a3');
    const counterpart = await connect('op-b3', 1);
    const sup = tokenFor('sup-b3', 'operator');
    // The user edits their own rules: SMS at once, radio after 5 s.
    const put = await fetch(`${cluster.nodes[0]!.url}/api/notifications/contacts`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${sup}`, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ channel: 'gateway', gateway: 'sms', address: '+92 300 000 0004' }, { channel: 'gateway', gateway: 'radio', address: 'RADIO-7', delay: '5s' }] }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ source: 'own', steps: [{ delay: 0 }, { delay: 5000 }] });
    const bad = await fetch(`${cluster.nodes[0]!.url}/api/notifications/contacts`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${sup}`, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ channel: 'gateway', gateway: 'sms', address: '+92 300 000 0001' }] }),
    });
    expect(bad.status).toBe(409);

    const first = await raiser.raiseAlert({ linkId: 'l3', kind: 'explosion', severity: 2, description: 'Blast near the fence' });
    const smsD = await waitFor(() => sms.deliveries().find((d) => (d.body.items as { id: string }[])[0]!.id === first.alert.alertId));
    const radioD = await waitFor(() => radio.deliveries().find((d) => (d.body.items as { id: string }[])[0]!.id === first.alert.alertId), { timeout: 30_000 });
    expect(radioD.at - smsD.at).toBeGreaterThanOrEqual(3000);

    const second = await raiser.raiseAlert({ linkId: 'l3', kind: 'explosion', severity: 2, description: 'Second blast' });
    await waitFor(() => sms.deliveries().find((d) => (d.body.items as { id: string }[])[0]!.id === second.alert.alertId));
    await counterpart.ackAlert(second.alert.alertId);
    await waitFor(async () => (await attemptsOf(cluster.nodes[0]!.url, 'joint', second.alert.alertId)).some((a) => a.kind === 'skipped' && a.detail === 'acknowledged'), {
      timeout: 30_000,
      message: 'the radio step was not skipped',
    });
    expect(radio.deliveries().some((d) => (d.body.items as { id: string }[])[0]!.id === second.alert.alertId)).toBe(false);

    // Drill traffic never goes to a live-only gateway, and says EXERCISE.
    const drill = await raiser.raiseAlert({ linkId: 'l3', kind: 'other', severity: 1, description: 'Exercise', drill: true });
    const drillSms = await waitFor(() => sms.deliveries().find((d) => (d.body.items as { id: string }[])[0]!.id === drill.alert.alertId));
    expect(drillSms.body.drill).toBe(true);
    expect(drillSms.body.text as string).toMatch(/^EXERCISE /);
    await waitFor(async () => (await attemptsOf(cluster.nodes[0]!.url, 'joint', drill.alert.alertId)).some((a) => a.kind === 'skipped' && a.channel === 'gateway:radio'), {
      timeout: 15_000,
    });
    expect(radio.deliveries().some((d) => (d.body.items as { id: string }[])[0]!.id === drill.alert.alertId)).toBe(false);
  });

  it('a receiver failing 30 %, slow, then down for a while, and a node killed with deliveries pending: every delivery once', async () => {
    const raiser = await connect('op-a2', 1);
    await connect('op-b2', 1);
    sms.failRate = 0.3;
    sms.slowMs = 150;
    const base = sms.accepted.size;
    const alertIds: string[] = [];
    for (let i = 0; i < 12; i++) alertIds.push((await raiser.raiseAlert({ linkId: 'l2', kind: 'other', severity: 2, description: `burst ${i}` })).alert.alertId);
    await sms.waitFor(base + 12, 60_000);

    // Down, with more escalations due; node 0 is killed while their deliveries are pending.
    sms.down = true;
    const more: string[] = [];
    for (let i = 0; i < 12; i++) more.push((await raiser.raiseAlert({ linkId: 'l2', kind: 'other', severity: 2, description: `while down ${i}` })).alert.alertId);
    const requestsBefore = sms.requests;
    await waitFor(() => sms.requests >= requestsBefore + 12, { timeout: 20_000, message: 'no attempts while down' });
    await cluster.nodes[0]!.kill();
    sms.down = false;
    await sms.waitFor(base + 24, 60_000);

    const forL2 = sms.deliveries().filter((d) => (d.body.items as { linkId: string }[])[0]!.linkId === 'l2');
    const ids = forL2.flatMap((d) => (d.body.items as { id: string }[]).map((i) => i.id));
    expect(new Set(ids)).toEqual(new Set([...alertIds, ...more]));
    expect(ids.length).toBe(24);
    expect(sms.badSignatures).toEqual([]);
    expect(sms.failed).toBeGreaterThan(0);
    // Keys accepted once: a repeat (a retry after a lost 2xx) was recognised as one.
    expect(new Set(forL2.map((d) => d.key)).size).toBe(24);
    sms.failRate = 0;
    sms.slowMs = 0;
  }, 120_000);
});

describe('bursts to one person are bundled', () => {
  let cluster: TestCluster;
  const sms = new WebhookReceiver(SECRET);
  const radio = new WebhookReceiver(RADIO_SECRET);
  const clients: TestClient[] = [];

  beforeAll(async () => {
    await sms.start();
    await radio.start();
    cluster = await startCluster({
      nodes: 1,
      env: { HOTLINE_NOTIFY_BACKOFF: '50ms', HOTLINE_NOTIFY_BACKOFF_MAX: '400ms' },
      topology: {
        policies: POLICIES,
        policySelection: { default: 'once', drill: 'once' },
        extra: { notifications: notificationsSection(sms.url, radio.url, 5000) },
      },
    });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    await sms.close();
    await radio.close();
  });

  it('the first goes at once, the rest in one summary whose code acknowledges all of them', async () => {
    const raiser = await connectClient(cluster.nodes[0]!.url, 'op-a1');
    clients.push(raiser);
    clients.push(await connectClient(cluster.nodes[0]!.url, 'op-b1'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await raiser.raiseAlert({ linkId: 'l1', kind: 'other', severity: 2, description: `burst ${i}` })).alert.alertId);
    const itemIds = () => sms.deliveries().flatMap((d) => (d.body.items as { id: string }[]).map((i) => i.id));
    await waitFor(() => ids.every((id) => itemIds().includes(id)), { timeout: 30_000, message: 'not every alert was notified' });
    const [first, bundle] = sms.deliveries();
    // The first went alone and at once; what followed within the window came as one summary.
    expect((first!.body.items as unknown[]).length).toBe(1);
    expect((bundle!.body.items as unknown[]).length).toBeGreaterThan(1);
    expect(itemIds().sort()).toEqual([...ids].sort());
    const n = (bundle!.body.items as unknown[]).length;
    expect(bundle!.body.text as string).toMatch(new RegExp(`^${n} ALERTS`));
    expect((bundle!.body.text as string).length).toBeLessThanOrEqual(160);
    const res = await postReply(cluster.nodes[0]!.url, 'sms', { messageId: 'b-1', from: '+923000000001', text: `ACK ${bundle!.body.code as string}` });
    expect(res.status).toBe(200);
    expect(res.body.acknowledged!.map((a) => a.state)).toEqual(Array.from({ length: n }, () => 'acknowledged'));
  }, 60_000);
});
