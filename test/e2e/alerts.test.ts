import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Alert, Entry, Escalation } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { headSeqs, headsBeforeRefusals, keys, readLog, verifiedLog } from '../helpers/log.js';
import { FAST_POLICIES } from '../helpers/topology.js';
import { nextEvent, waitFor } from '../helpers/wait.js';

const escalationsOf = (entries: Entry[], alertId: string) =>
  entries.flatMap((e) => (e.type === 'alert.escalated' && e.payload.alertId === alertId ? [e] : []));

/** Watches escalation events of a client. */
function inbox(c: TestClient): Escalation[] {
  const list: Escalation[] = [];
  c.on('escalation', (e) => list.push(e));
  return list;
}

function bullQueue(cluster: TestCluster): Queue {
  return new Queue('escalations', { connection: cluster.redis.client(), prefix: keys.bullPrefix });
}

/** Resolves when no escalation job is waiting, delayed or running: nothing more can fire. */
async function queueDrained(queue: Queue, timeout = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const c = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return (c.waiting ?? 0) + (c.delayed ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) === 0;
    },
    { timeout, message: 'escalation queue did not drain' },
  );
}

describe('alerts and escalation on two nodes', () => {
  let cluster: TestCluster;
  const clients: TestClient[] = [];
  const connect = async (node: number, user: string) => {
    const c = await connectClient(cluster.nodes[node]!.url, user);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 2,
      topology: {
        policies: [...FAST_POLICIES, { id: 'race', name: 'race', onCounterpartOffline: 'wait', levels: [{ delay: 600, targets: ['joint-command'] }] }],
        policySelection: { default: 'fast', bySeverity: { '3': 'slow', '4': 'urgent' }, byLink: { l2: 'race' }, drill: 'drill' },
      },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  it('an unacknowledged alert climbs every level in order, at its delay, each target once, and repeats', async () => {
    const raiser = await connect(0, 'op-a1');
    await connect(1, 'op-b1');
    const sup = await connect(1, 'sup-b1');
    const cmdB = await connect(0, 'cmd-sb1');
    const cmdA = await connect(1, 'cmd-sa1');
    const joint = await connect(0, 'joint');
    const other = await connect(1, 'cmd-sb2');
    const [supIn, cmdBIn, cmdAIn, jointIn, otherIn] = [sup, cmdB, cmdA, joint, other].map(inbox) as [Escalation[], Escalation[], Escalation[], Escalation[], Escalation[]];

    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'small-arms-fire', severity: 2, description: 'Firing from the ridge' });
    expect(alert).toMatchObject({ state: 'open', step: 0, policyId: 'fast', counterpartOnline: true });
    expect(alert.nextEscalationAt).toBe(alert.raisedAt + 400);

    await waitFor(() => escalationsOf(raiser.entries, alert.alertId).length === 5, { timeout: 15_000 });
    const steps = escalationsOf(raiser.entries, alert.alertId);
    expect(steps.map((e) => [e.payload.step, e.payload.level, e.payload.repeat])).toEqual([
      [1, 1, false],
      [2, 2, false],
      [3, 3, false],
      [4, 3, true],
      [5, 3, true],
    ]);
    const offsets = [400, 800, 1200, 1600, 2000];
    steps.forEach((e, i) => {
      expect(e.payload.dueAt).toBe(alert.raisedAt + offsets[i]!);
      expect(e.ts).toBeGreaterThanOrEqual(e.payload.dueAt); // never early
      expect(e.ts - e.payload.dueAt).toBeLessThan(1500); // and not far late, even on a busy machine
    });
    expect(steps.map((e) => e.payload.targets)).toEqual([['sup-b1'], ['cmd-sa1', 'cmd-sb1'], ['joint'], ['joint'], ['joint']]);

    await waitFor(() => jointIn.length === 3);
    const key = (list: Escalation[]) => list.filter((e) => e.alertId === alert.alertId).map((e) => e.step);
    expect(key(supIn)).toEqual([1]);
    expect(key(cmdBIn)).toEqual([2]);
    expect(key(cmdAIn)).toEqual([2]);
    expect(key(jointIn)).toEqual([3, 4, 5]);
    expect(key(otherIn)).toEqual([]);
    // The inboxes hold each escalation once, with unread counts.
    const jointInbox = await joint.api<{ escalations: Escalation[]; unread: number }>('/api/inbox');
    expect(jointInbox.escalations.filter((e) => e.alertId === alert.alertId).map((e) => e.step)).toEqual([3, 4, 5]);
    expect(jointInbox.unread).toBe(jointInbox.escalations.length);
    const read = await joint.markInboxRead(jointInbox.escalations.at(-1)!.position);
    expect(read.unread).toBe(0);
    const otherInbox = await other.api<{ escalations: Escalation[] }>('/api/inbox');
    expect(otherInbox.escalations).toEqual([]);

    const done = (await raiser.api<{ alert: Alert }>(`/api/alerts/${alert.alertId}`)).alert;
    expect(done).toMatchObject({ state: 'open', step: 5, nextEscalationAt: null });
    const queue = bullQueue(cluster);
    expect(await queue.getJob(`esc-${alert.alertId}-6`)).toBeUndefined();
    await queue.close();
  });

  it('acknowledged before the first deadline: no escalation ever, at any level', async () => {
    const raiser = await connect(0, 'op-a1');
    const ackBy = await connect(1, 'op-b1');
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 1, description: 'Drone over the ford' });
    const acked = await ackBy.ackAlert(alert.alertId, 'Seen, investigating');
    expect(acked.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: { userId: 'op-b1', postId: 'b1' }, nextEscalationAt: null });
    // A sentinel alert raised now with the same policy, never acknowledged: once it has fired its last
    // step, every deadline of the acknowledged one has passed too.
    const sentinel = (await raiser.raiseAlert({ linkId: 'l1', kind: 'other', severity: 1, description: 'sentinel' })).alert;
    await waitFor(() => escalationsOf(raiser.entries, sentinel.alertId).length === 5, { timeout: 15_000 });
    const log = await readLog(cluster.redis.client(), 'l1');
    expect(escalationsOf(log, alert.alertId)).toEqual([]);
    expect((await raiser.api<{ alert: Alert }>(`/api/alerts/${alert.alertId}`)).alert).toMatchObject({ state: 'acknowledged', step: 0 });
  });

  it('200 acks racing their deadlines: escalated-then-acked or acked-and-never-escalated, never an escalation after the ack', async () => {
    const raiser = await connect(0, 'op-a2');
    const acker = await connect(1, 'op-b2');
    const alerts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        raiser.request('alert:raise', { linkId: 'l2', clientAlertId: `race-alert-${i}`, kind: 'explosion', severity: 2, description: `race ${i}` }),
      ),
    );
    // Each ack is sent within a few ms either side of its alert's deadline (600 ms after the raise).
    await Promise.all(
      alerts.map(({ alert }, i) => {
        const offset = (i % 21) - 10;
        const wait = Math.max(0, alert.nextEscalationAt! + offset - Date.now());
        return new Promise<void>((resolve, reject) => {
          setTimeout(() => {
            acker.request('alert:ack', { alertId: alert.alertId }).then(() => resolve(), reject);
          }, wait);
        });
      }),
    );
    const queue = bullQueue(cluster);
    await queueDrained(queue);
    await queue.close();
    const log = await verifiedLog(cluster.redis.client(), 'l2');
    for (const { alert } of alerts) {
      const ack = log.find((e) => e.type === 'alert.acknowledged' && e.payload.alertId === alert.alertId)!;
      expect(ack).toBeDefined();
      const escalations = escalationsOf(log, alert.alertId);
      expect(escalations.length).toBeLessThanOrEqual(1);
      for (const e of escalations) expect(e.seq).toBeLessThan(ack.seq);
    }
    // (On an idle machine both outcomes occur, about half each; under heavy load the split tilts, but
    // the invariant above must hold for every alert whatever the split.)
  });

  it('counterpart offline at the raise: escalate-now escalates at once, wait waits', async () => {
    for (const c of clients.filter((c) => c.user?.post === 'b3')) c.close();
    const raiser = await connect(0, 'op-a3');
    const cmd = await connect(1, 'cmd-sb2');
    const cmdIn = inbox(cmd);
    const urgent = (await raiser.raiseAlert({ linkId: 'l3', kind: 'artillery-mortar', severity: 4, description: 'Shelling' })).alert;
    expect(urgent).toMatchObject({ policyId: 'urgent', counterpartOnline: false, nextEscalationAt: urgent.raisedAt });
    // Escalated at once: the event can reach the commander before the raise's own answer, so it is
    // looked for among what the commander's client collected from before the raise.
    const first = await waitFor(() => cmdIn.find((e) => e.alertId === urgent.alertId), { message: `no escalation of ${urgent.alertId} for cmd-sb2` });
    expect(first.step).toBe(1);
    const entry = escalationsOf(raiser.entries, urgent.alertId)[0] ?? (await waitFor(() => escalationsOf(raiser.entries, urgent.alertId)[0]));
    expect(entry.payload.reason).toBe('counterpart-offline');
    expect(entry.payload.nextEscalationAt).toBe(urgent.raisedAt + 1200);

    const waiting = (await raiser.raiseAlert({ linkId: 'l3', kind: 'small-arms-fire', severity: 2, description: 'Shots' })).alert;
    expect(waiting).toMatchObject({ policyId: 'fast', counterpartOnline: false, nextEscalationAt: waiting.raisedAt + 400 });
    const step1 = await waitFor(() => escalationsOf(raiser.entries, waiting.alertId)[0]);
    expect(step1.payload.reason).toBe('timeout');
    expect(step1.ts).toBeGreaterThanOrEqual(waiting.raisedAt + 400);
    expect(cmdIn.some((e) => e.alertId === waiting.alertId && e.step === 1)).toBe(false); // level 1 is the supervisors
  });

  it('walks the lifecycle and refuses what is not allowed with its code, writing nothing', async () => {
    const a = await connect(0, 'op-a1');
    const b = await connect(1, 'op-b1');
    const { alert } = await a.raiseAlert({
      linkId: 'l1',
      kind: 'border-crossing',
      severity: 3,
      description: 'Group crossing at the culvert',
      location: { lat: 34.01, lon: 70.02, label: 'culvert' },
      occurredAt: Date.now() - 60_000,
    });
    const before = (await headsBeforeRefusals(cluster.redis.client(), ['l1'])).l1!;
    expect(before).toBeGreaterThanOrEqual(alert.raisedSeq);
    await expect(a.request('alert:ack', { alertId: alert.alertId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const cmdOther = await connect(0, 'cmd-sa1'); // raiser's own side: may comment, may not acknowledge
    await expect(cmdOther.request('alert:ack', { alertId: alert.alertId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(b.request('alert:cancel', { alertId: alert.alertId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(b.request('alert:resolve', { alertId: alert.alertId, text: 'done' })).rejects.toMatchObject({ code: 'CONFLICT', details: { state: 'open' } });
    const monitor = await connect(1, 'monitor');
    await expect(monitor.request('alert:ack', { alertId: alert.alertId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const outsider = await connect(1, 'cmd-sb2');
    await expect(outsider.request('alert:ack', { alertId: alert.alertId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(a.request('alert:ack', { alertId: 'AL-l1-999999' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(a.request('alert:ack', { alertId: 'AL-nolink-1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(a.request('alert:ack', { alertId: 'not an id' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // Nothing written by any of them (the escalation timer may have fired meanwhile: that is the server's).
    const log = await readLog(cluster.redis.client(), 'l1');
    expect(log.find((e) => e.seq === alert.raisedSeq)?.type).toBe('alert.raised'); // the read saw the log
    const since = log.filter((e) => e.seq > before);
    expect(since.filter((e) => e.actor.role !== 'system')).toEqual([]);

    // A commander covering the counterpart acknowledges on behalf of its post.
    const cmd = await connect(0, 'cmd-sb1');
    const acked = await cmd.ackAlert(alert.alertId);
    expect(acked.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: { userId: 'cmd-sb1', role: 'commander', postId: 'b1' } });
    const again = await b.request('alert:ack', { alertId: alert.alertId });
    expect(again).toMatchObject({ entry: null, alert: { state: 'acknowledged' } });
    await expect(a.request('alert:cancel', { alertId: alert.alertId })).rejects.toMatchObject({ code: 'CONFLICT', details: { state: 'acknowledged' } });
    const comment = await cmdOther.commentAlert(alert.alertId, 'Patrol sent from our side');
    expect(comment.entry).toMatchObject({ type: 'alert.commented', actor: { userId: 'cmd-sa1', postId: 'a1' } });
    const resolved = await b.resolveAlert(alert.alertId, 'Smugglers, returned across');
    expect(resolved.alert).toMatchObject({ state: 'resolved', resolution: 'Smugglers, returned across', resolvedBy: { postId: 'b1' } });
    expect((await a.request('alert:resolve', { alertId: alert.alertId, text: 'x' })).entry).toBeNull();

    // A false alarm: cancelled by the raiser while open; repeated cancel is a no-op.
    const falseAlarm = (await a.raiseAlert({ linkId: 'l1', kind: 'explosion', severity: 1, description: 'Quarry blast' })).alert;
    expect((await a.cancelAlert(falseAlarm.alertId, 'quarry blast')).alert.state).toBe('cancelled');
    expect((await a.request('alert:cancel', { alertId: falseAlarm.alertId })).entry).toBeNull();
    await expect(b.request('alert:ack', { alertId: falseAlarm.alertId })).rejects.toMatchObject({ code: 'CONFLICT' });

    const types = (await readLog(cluster.redis.client(), 'l1')).filter((e) => 'alertId' in e.payload && e.payload.alertId === alert.alertId).map((e) => e.type);
    expect(types).toEqual(['alert.raised', 'alert.acknowledged', 'alert.commented', 'alert.resolved']);
  });

  it('raises idempotently and refuses bad raise payloads with codes', async () => {
    const a = await connect(0, 'op-a1');
    const req = { linkId: 'l1', clientAlertId: 'idem-alert-0001', kind: 'drone' as const, severity: 1 as const, description: 'drone' };
    const first = await a.request('alert:raise', req);
    const second = await a.request('alert:raise', req);
    expect(second.alert.alertId).toBe(first.alert.alertId);
    expect(second.entry?.seq).toBe(first.entry?.seq);
    await expect(a.request('alert:raise', { ...req, severity: 3 })).rejects.toMatchObject({ code: 'CONFLICT' });
    const socket = rawSocket(cluster.nodes[1]!.url, tokenFor('op-a1', 'operator'));
    await nextEvent(socket, 'connect');
    const head = () => headSeqs(cluster.redis.client(), ['l1']);
    const before = await headsBeforeRefusals(cluster.redis.client(), ['l1']);
    const bad: [unknown, string][] = [
      [{ ...req, clientAlertId: 'new-alert-01', severity: 5 }, 'VALIDATION_FAILED'],
      [{ ...req, clientAlertId: 'new-alert-01', severity: '2' }, 'VALIDATION_FAILED'],
      [{ ...req, clientAlertId: 'new-alert-01', kind: 'alien' }, 'VALIDATION_FAILED'],
      [{ ...req, clientAlertId: 'new-alert-01', kind: 'line-fault' }, 'VALIDATION_FAILED'],
      [{ ...req, clientAlertId: 'new-alert-01', location: { lat: 91, lon: 0 } }, 'VALIDATION_FAILED'],
      [{ ...req, clientAlertId: 'new-alert-01', description: 'x'.repeat(2001) }, 'VALIDATION_FAILED'],
      [{ ...req, clientAlertId: 'new-alert-01', linkId: 'l2' }, 'FORBIDDEN'],
      [{ ...req, clientAlertId: 'new-alert-01', linkId: 'l9' }, 'NOT_FOUND'],
      [{ linkId: 'l1' }, 'VALIDATION_FAILED'],
    ];
    for (const [payload, code] of bad) expect((await emitAck(socket, 'alert:raise', payload)).error?.code).toBe(code);
    expect(await head()).toEqual(before);
    socket.close();
  });

  it('marks drill alerts in every entry, event and escalation, with the drill policy', async () => {
    const a = await connect(0, 'op-a1');
    const sup = await connect(1, 'sup-b1');
    const supIn = inbox(sup);
    const { alert } = await a.raiseAlert({ linkId: 'l1', kind: 'small-arms-fire', severity: 4, description: 'EXERCISE', drill: true });
    expect(alert).toMatchObject({ drill: true, policyId: 'drill' });
    await waitFor(() => supIn.some((e) => e.alertId === alert.alertId));
    expect(supIn.find((e) => e.alertId === alert.alertId)).toMatchObject({ drill: true, alert: { drill: true } });
    await sup.ackAlert(alert.alertId);
    const entries = (await readLog(cluster.redis.client(), 'l1')).filter((e) => 'alertId' in e.payload && e.payload.alertId === alert.alertId);
    expect(entries.map((e) => e.type)).toEqual(['alert.raised', 'alert.escalated', 'alert.acknowledged']);
    expect(entries.every((e) => e.drill)).toBe(true);
    // A drill token raises exercise alerts only.
    const socket = rawSocket(cluster.nodes[0]!.url, tokenFor('op-a1', 'operator', { drill: true }));
    await nextEvent(socket, 'connect');
    const { sign } = await rawSigner(socket, 'op-a1');
    const raise = { linkId: 'l1', kind: 'drone', severity: 1, description: 'real?', drill: false };
    const refused = await emitAck(socket, 'alert:raise', await sign('alert:raise', { ...raise, clientAlertId: 'drill-token-1' }));
    expect(refused.error.code).toBe('FORBIDDEN');
    const allowed = await emitAck(socket, 'alert:raise', await sign('alert:raise', { ...raise, clientAlertId: 'drill-token-2', drill: true }));
    expect(allowed.ok).toBe(true);
    socket.close();
    const drills = await a.api<{ alerts: Alert[] }>('/api/alerts?drill=true&link=l1');
    expect(drills.alerts.length).toBeGreaterThan(0);
    expect(drills.alerts.every((x) => x.drill)).toBe(true);
  });

  it('lists alerts in scope with filters; a commander who connects late catches up', async () => {
    const a = await connect(0, 'op-a1');
    const { alert } = await a.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 2, description: 'late commander test' });
    // The level-2 escalation reaches cmd-sb1 while they are not connected.
    await waitFor(() => escalationsOf(a.entries, alert.alertId).some((e) => e.payload.step === 2), { timeout: 10_000 });
    const late = await connectClient(cluster.nodes[1]!.url, 'cmd-sb1');
    clients.push(late);
    const missed: Escalation[] = [];
    late.on('escalation', (e) => missed.push(e));
    await late.catchUpInbox();
    expect(missed.filter((e) => e.alertId === alert.alertId).map((e) => e.step)).toEqual([2]);
    expect(late.entries.some((e) => e.type === 'alert.raised' && e.payload.alertId === alert.alertId)).toBe(true);

    const scoped = await late.api<{ alerts: Alert[] }>('/api/alerts?state=open');
    expect(scoped.alerts.some((x) => x.alertId === alert.alertId)).toBe(true);
    expect(scoped.alerts.every((x) => x.state === 'open' && ['l1', 'l2', 'l4'].includes(x.linkId))).toBe(true);
    const bySector = await late.api<{ alerts: Alert[] }>('/api/alerts?sector=sb2');
    expect(bySector.alerts.every((x) => x.linkId === 'l3')).toBe(true);
    const since = await late.api<{ alerts: Alert[] }>(`/api/alerts?since=${alert.raisedAt}&link=l1`);
    expect(since.alerts.every((x) => x.raisedAt >= alert.raisedAt)).toBe(true);
    const outsider = await connect(1, 'cmd-sa2');
    await expect(outsider.api(`/api/alerts/${alert.alertId}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(outsider.api('/api/alerts?state=bogus')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('escalation timers across nodes and restarts', () => {
  let cluster: TestCluster;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('three nodes with workers, 500 alerts: every level fires exactly once', async () => {
    cluster = await startCluster({
      nodes: 3,
      topology: {
        policies: [
          { id: 'two', name: 'two', onCounterpartOffline: 'wait', levels: [{ delay: 500, targets: ['counterpart-supervisors'] }, { delay: 1000, targets: ['joint-command'] }] },
        ],
        policySelection: { default: 'two', drill: 'two' },
      },
    });
    const raisers = await Promise.all(
      (['op-a1', 'op-a2', 'op-a3', 'op-b2'] as const).map((u, i) => connectClient(cluster.nodes[i % 3]!.url, u)),
    );
    const links = ['l1', 'l2', 'l3', 'l4'];
    // Through the outbox: on a loaded machine an ack may time out, and the retry keeps the alert's id.
    const raised = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        raisers[i % 4]!.raiseAlert({ linkId: links[i % 4]!, clientAlertId: `bulk-alert-${i}`, kind: 'other', severity: 1, description: `bulk ${i}` }),
      ),
    );
    const queue = bullQueue(cluster);
    await waitFor(
      async () => {
        const c = await queue.getJobCounts('waiting', 'delayed', 'active');
        return (c.waiting ?? 0) + (c.delayed ?? 0) + (c.active ?? 0) === 0;
      },
      { timeout: 60_000 },
    );
    await queue.close();
    const logs = new Map<string, Entry[]>();
    for (const l of links) logs.set(l, await verifiedLog(cluster.redis.client(), l));
    for (const { alert } of raised) {
      const steps = escalationsOf(logs.get(alert.linkId)!, alert.alertId).map((e) => e.payload.step);
      expect(steps).toEqual([1, 2]);
    }
    // Across the three nodes' logs, exactly 1000 escalations were recorded: none fired twice.
    const firing = cluster.nodes.map((n) => n.logs().filter((l) => l.msg === 'alert escalated').length);
    expect(firing.reduce((a, b) => a + b)).toBe(1000);
    const joint = await connectClient(cluster.nodes[0]!.url, 'joint');
    const box = await joint.api<{ escalations: Escalation[] }>('/api/inbox?limit=1000');
    expect(box.escalations).toHaveLength(500);
    for (const c of [...raisers, joint]) c.close();
  });

  it('every node killed with timers pending, then restarted: each fires once, late by no more than the restart gap', async () => {
    await cluster?.stop();
    cluster = await startCluster({
      nodes: 2,
      topology: {
        policies: [{ id: 'slowish', name: 'slowish', onCounterpartOffline: 'wait', levels: [{ delay: 1500, targets: ['joint-command'] }, { delay: 6000, targets: ['joint-command'] }] }],
        policySelection: { default: 'slowish', drill: 'slowish' },
      },
    });
    const raiser = await connectClient(cluster.nodes[0]!.url, 'op-a1');
    const raised = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        raiser.request('alert:raise', { linkId: i % 2 ? 'l1' : 'l4', clientAlertId: `restart-alert-${i}`, kind: 'other', severity: 1, description: `r${i}` }),
      ),
    );
    raiser.close();
    await Promise.all(cluster.nodes.map((n) => n.kill()));
    const killedAt = Date.now();
    // The outage lasts past the first deadline.
    const firstDue = Math.min(...raised.map((r) => r.alert.nextEscalationAt!));
    await new Promise((r) => setTimeout(r, Math.max(0, firstDue + 1000 - killedAt)));
    const restartAt = Date.now();
    await Promise.all(cluster.nodes.map((n) => n.start()));
    const restartedAt = Date.now();
    const gap = restartedAt - killedAt;
    const monitor = await connectClient(cluster.nodes[1]!.url, 'monitor');
    await waitFor(() => raised.every(({ alert }) => escalationsOf(monitor.entries, alert.alertId).some((e) => e.payload.step === 2)), { timeout: 30_000 });
    for (const { alert } of raised) {
      const steps = escalationsOf(monitor.entries, alert.alertId);
      expect(steps.map((e) => e.payload.step)).toEqual([1, 2]);
      const [s1, s2] = steps as [Entry & { type: 'alert.escalated' }, Entry & { type: 'alert.escalated' }];
      expect(s1.ts).toBeGreaterThanOrEqual(restartAt); // it could not fire while every node was down
      expect(s1.ts - s1.payload.dueAt).toBeLessThanOrEqual(gap + 2000);
      // The second step was due after the restart: never early (how late depends on this machine's load).
      expect(s2.ts).toBeGreaterThanOrEqual(s2.payload.dueAt);
    }
    monitor.close();
  });
});

describe('drill tokens', () => {
  let cluster: TestCluster;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('are issued only to a drill officer, only for operators and commanders, and carry the drill mark', async () => {
    cluster = await startCluster({ nodes: 1 });
    const url = cluster.nodes[0]!.url;
    const post = (token: string, body: unknown) =>
      fetch(`${url}/api/drill/tokens`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refused = await post(tokenFor('op-a1', 'operator'), {});
    expect(refused.status).toBe(403);
    const badUser = await post(tokenFor('admin', 'admin'), { users: ['monitor'] });
    expect(badUser.status).toBe(403);
    const ok = (await (await post(tokenFor('admin', 'admin'), { users: ['op-a1', 'cmd-sb1'], ttl: '10m' })).json()) as {
      tokens: Record<string, { token: string; role: string }>;
    };
    expect(Object.keys(ok.tokens)).toEqual(['op-a1', 'cmd-sb1']);
    const drillOnly = await post(tokenFor('admin', 'admin', { drill: true }), {});
    expect(drillOnly.status).toBe(403);
    const socket = rawSocket(url, ok.tokens['op-a1']!.token);
    await nextEvent(socket, 'connect');
    const { sign } = await rawSigner(socket, 'op-a1', Date.now() + 5 * 60_000);
    const msg = { linkId: 'l1', text: 'exercise', precedence: 'routine', drill: false };
    const real = await emitAck(socket, 'hotline:send', await sign('hotline:send', { ...msg, clientMsgId: 'drill-msg-01' }));
    expect(real.error.code).toBe('FORBIDDEN');
    const drill = await emitAck(socket, 'hotline:send', await sign('hotline:send', { ...msg, clientMsgId: 'drill-msg-02', drill: true }));
    expect(drill.entry.drill).toBe(true);
    socket.close();
  });
});
