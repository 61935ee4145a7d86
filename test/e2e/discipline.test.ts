import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Entry, Escalation } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { readLog, verifiedLog } from '../helpers/log.js';
import { FAST_POLICIES } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

const EVERY = 2000;
const WINDOW = 800;

let cluster: TestCluster;
const clients: TestClient[] = [];
const connect = async (node: number, user: string) => {
  const c = await connectClient(cluster.nodes[node % cluster.nodes.length]!.url, user);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 3,
    env: { HOTLINE_LINECHECK_TICK: '100ms' },
    topology: {
      policies: [
        ...FAST_POLICIES,
        { id: 'flash-traffic', name: 'flash', onCounterpartOffline: 'wait', levels: [{ delay: 0, targets: ['counterpart-supervisors', 'counterpart-commanders'] }] },
        { id: 'line-fault', name: 'line fault', onCounterpartOffline: 'wait', levels: [{ delay: 300, targets: ['counterpart-commanders'] }] },
        // Escalates at once when nobody can see the alarm, else after an hour: which one fired tells them apart.
        { id: 'line-fault-now', name: 'line fault, offline at once', onCounterpartOffline: 'escalate-now', levels: [{ delay: '1h', targets: ['counterpart-commanders'] }] },
      ],
      policySelection: { default: 'fast', drill: 'drill', lineFault: 'line-fault' },
      extra: {
        links: [
          { id: 'l1', name: 'Link 1', posts: ['a1', 'b1'], lineCheck: { every: EVERY, window: WINDOW } },
          { id: 'l2', name: 'Link 2', posts: ['a2', 'b2'] },
          { id: 'l3', name: 'Link 3', posts: ['a3', 'b3'], lineCheck: { every: EVERY, window: WINDOW, policy: 'line-fault-now' } },
          { id: 'l4', name: 'Link 4', posts: ['a1', 'b2'] },
        ],
        precedence: { flash: { deadline: 600, policy: 'flash-traffic' }, immediate: { deadline: 1500, policy: 'flash-traffic' } },
      },
    },
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

const escalationsOf = (entries: Entry[], seq: number) =>
  entries.filter((e) => e.type === 'message.escalated' && e.payload.messageSeq === seq) as (Entry & { type: 'message.escalated' })[];

describe('precedence deadlines', () => {
  it('a flash message unacknowledged past its deadline escalates once; acknowledged in time, never', async () => {
    const a = await connect(0, 'op-a2');
    const b = await connect(1, 'op-b2');
    const sup = await connect(2, 'sup-b2');
    const supIn: Escalation[] = [];
    sup.on('escalation', (e) => supIn.push(e));

    const acked = (await a.send('l2', 'FLASH: cease fire at grid 41', { precedence: 'flash' })).entry;
    await waitFor(() => b.cursor('l2') >= acked.seq);
    const ack = await b.ackMessage('l2', acked.seq);
    expect(ack.deadline).toMatchObject({ state: 'acknowledged', acknowledgedBy: { postId: 'b2' } });
    expect(ack.entry).toMatchObject({ type: 'receipt', payload: { kind: 'ack', postId: 'b2', uptoSeq: acked.seq, uptoHash: acked.hash } });

    const ignored = (await a.send('l2', 'FLASH: nobody answers this', { precedence: 'flash' })).entry;
    const escalation = await waitFor(() => escalationsOf(a.entries, ignored.seq)[0]);
    expect(escalation!.payload).toMatchObject({ step: 1, level: 1, targets: ['sup-b2', 'cmd-sb1'], deadlineId: `MSG-l2-${ignored.seq}` });
    expect(escalation!.ts).toBeGreaterThanOrEqual(ignored.ts + 600);
    await waitFor(() => supIn.some((e) => e.subject === 'message' && e.message?.seq === ignored.seq));
    expect(supIn.find((e) => e.message?.seq === ignored.seq)).toMatchObject({ subject: 'message', id: `MSG-l2-${ignored.seq}`, step: 1 });

    // By now the acknowledged one's deadline has long passed: it never escalated; the other escalated once.
    const log = await verifiedLog(cluster.redis.client(), 'l2');
    expect(escalationsOf(log, acked.seq)).toEqual([]);
    expect(escalationsOf(log, ignored.seq)).toHaveLength(1);
    const awaiting = await a.api<{ deadlines: { seq: number; state: string; step: number }[] }>('/api/deadlines');
    expect(awaiting.deadlines.find((d) => d.seq === ignored.seq)).toMatchObject({ state: 'awaiting', step: 1 });
    expect(awaiting.deadlines.some((d) => d.seq === acked.seq)).toBe(false);
    // Acknowledged late, it stops waiting.
    await b.ackMessage('l2', ignored.seq);
    expect((await a.api<{ deadlines: { seq: number }[] }>('/api/deadlines')).deadlines.some((d) => d.seq === ignored.seq)).toBe(false);
  });

  it('acknowledging quotes the right hash; routine traffic, another link, the sender, or a wrong hash are refused with codes', async () => {
    const a = await connect(0, 'op-a2');
    const b = await connect(1, 'op-b2');
    const routine = (await a.send('l2', 'routine traffic')).entry;
    const flash = (await a.send('l2', 'FLASH again', { precedence: 'immediate' })).entry;
    await waitFor(() => b.cursor('l2') >= flash.seq);
    await expect(b.request('hotline:ack', { linkId: 'l2', seq: routine.seq })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(b.request('hotline:ack', { linkId: 'l1', seq: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(b.request('hotline:ack', { linkId: 'l2', seq: 999_999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(a.request('hotline:ack', { linkId: 'l2', seq: flash.seq })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(b.request('hotline:ack', { linkId: 'l2', seq: flash.seq, quotedHash: routine.hash })).rejects.toMatchObject({ code: 'CONFLICT' });
    const ok = await b.request('hotline:ack', { linkId: 'l2', seq: flash.seq });
    expect(ok.entry?.type === 'receipt' && ok.entry.payload.uptoHash).toBe(flash.hash);
    expect(ok.entry?.sig).toBeDefined();
    const again = await b.request('hotline:ack', { linkId: 'l2', seq: flash.seq });
    expect(again.entry).toBeNull();
  });
});

describe('line checks with three nodes', () => {
  const checks = (entries: Entry[]) => entries.filter((e) => e.type === 'linecheck.started') as (Entry & { type: 'linecheck.started' })[];

  it('a scheduled check reaches both posts once; answered by one post only: one answer, one miss, one line-fault alert', async () => {
    const a = await connect(0, 'op-a1');
    const b = await connect(1, 'op-b1');
    const cmd = await connect(2, 'cmd-sb1');
    const cmdIn: Escalation[] = [];
    cmd.on('escalation', (e) => cmdIn.push(e));
    const seen = checks(a.entries).length;
    const check = await waitFor(() => checks(a.entries)[seen], { timeout: 10_000 });
    await waitFor(() => checks(b.entries).some((c) => c.payload.checkId === check.payload.checkId));
    expect(check.payload).toMatchObject({ late: false, missedSlots: 0, posts: ['a1', 'b1'] });
    expect(check.payload.slotAt % EVERY).toBe(0);
    const answer = await a.answerLineCheck('l1', check.payload.checkId);
    expect(answer.entry).toMatchObject({ type: 'linecheck.answered', payload: { postId: 'a1', quotedHash: check.hash } });
    expect((await a.answerLineCheck('l1', check.payload.checkId)).entry).toBeNull(); // once per post

    const closed = await waitFor(() =>
      a.entries.find((e) => e.type === 'linecheck.closed' && e.payload.checkId === check.payload.checkId) as (Entry & { type: 'linecheck.closed' }) | undefined,
    );
    expect(closed.payload).toMatchObject({ answered: ['a1'], missed: ['b1'] });
    // The fault comes in the same append, as the next entry, which may reach the console a moment later.
    const fault = await waitFor(() => a.entries.find((e) => e.type === 'alert.raised' && e.payload.alertId === closed.payload.alertId));
    expect(fault).toMatchObject({ actor: { role: 'system' }, payload: { kind: 'line-fault', lineCheckId: check.payload.checkId, policyId: 'line-fault' } });
    await waitFor(() => cmdIn.some((e) => e.alertId === closed.payload.alertId));
    await expect(b.answerLineCheck('l1', check.payload.checkId)).rejects.toMatchObject({ code: 'CONFLICT' });

    // Over the next two scheduled times: one check each, whichever node started it.
    await waitFor(() => checks(a.entries).filter((c) => c.payload.slotAt > check.payload.slotAt).length >= 2, { timeout: 10_000 });
    const next2 = checks(a.entries);
    const log = await readLog(cluster.redis.client(), 'l1');
    const slots = checks(log).map((c) => c.payload.slotAt);
    expect(new Set(slots).size).toBe(slots.length);
    expect(next2.length).toBeGreaterThanOrEqual(seen + 3);
    const faults = log.filter((e) => e.type === 'alert.raised' && e.payload.kind === 'line-fault' && e.payload.lineCheckId === check.payload.checkId);
    expect(faults).toHaveLength(1);
  });

  it('every node killed across scheduled times, then restarted together: exactly one check, marked late', async () => {
    const redis = cluster.redis.client();
    const before = checks(await readLog(redis, 'l1'));
    const lastSlot = before[before.length - 1]!.payload.slotAt;
    await Promise.all(cluster.nodes.map((n) => n.kill()));
    // The outage spans at least two scheduled times.
    await waitFor(() => Date.now() > lastSlot + 3 * EVERY + 200, { timeout: 15_000 });
    const restarting = Date.now();
    await Promise.all(cluster.nodes.map((n) => n.start()));
    const first = await waitFor(async () => checks(await readLog(redis, 'l1')).find((c) => c.payload.slotAt > lastSlot));
    expect(first.payload.late).toBe(true);
    expect(first.payload.missedSlots).toBeGreaterThanOrEqual(1);
    expect(first.ts).toBeGreaterThanOrEqual(restarting); // started by a node of the restart, not before the kill
    // No burst: the next check comes at the next scheduled time, not at once.
    const following = await waitFor(async () => checks(await readLog(redis, 'l1')).find((c) => c.payload.slotAt > first.payload.slotAt), { timeout: 10_000 });
    expect(following.payload.slotAt).toBeGreaterThan(first.ts);
    expect(following.payload.late).toBe(false);
    const outage = checks(await readLog(redis, 'l1')).filter((c) => c.payload.slotAt > lastSlot && c.payload.slotAt < following.payload.slotAt);
    expect(outage).toHaveLength(1);
    await verifiedLog(redis, 'l1');
  });
});

describe('a line check both posts miss', () => {
  const HOUR = 3_600_000;
  type Presence = { presence: { postId: string; online: boolean }[] };

  it('both online but silent: no offline escalation; the second post offline: escalated at once', async () => {
    const monitor = await connect(0, 'monitor');
    const onlineIs = (postId: string, online: boolean) =>
      waitFor(async () => (await monitor.api<Presence>('/api/presence')).presence.some((p) => p.postId === postId && p.online === online));
    /** The line fault of the first l3 check started after everything before this call: its entry and alert. */
    const nextFault = async () => {
      const after = monitor.cursor('l3');
      const started = await waitFor(() => monitor.entries.find((e) => e.linkId === 'l3' && e.seq > after && e.type === 'linecheck.started'), { timeout: 10_000 });
      const checkId = (started as Entry & { type: 'linecheck.started' }).payload.checkId;
      const closed = await waitFor(
        () => monitor.entries.find((e) => e.linkId === 'l3' && e.type === 'linecheck.closed' && e.payload.checkId === checkId) as (Entry & { type: 'linecheck.closed' }) | undefined,
        { timeout: 10_000 },
      );
      expect(closed.payload).toMatchObject({ answered: [], missed: ['a3', 'b3'] });
      const raised = await waitFor(() => monitor.entries.find((e) => e.type === 'alert.raised' && e.payload.alertId === closed.payload.alertId) as (Entry & { type: 'alert.raised' }) | undefined);
      const { alert } = await monitor.api<{ alert: Alert }>(`/api/alerts/${closed.payload.alertId}`);
      // Whatever the presence, the second post is asked: consoles and verifiers derive it from the record.
      expect(alert).toMatchObject({ raiserPostId: 'a3', counterpartPostId: 'b3' });
      return { raised, alert };
    };
    const escalationsOfAlert = (alertId: string) => monitor.entries.filter((e) => e.type === 'alert.escalated' && e.payload.alertId === alertId) as (Entry & { type: 'alert.escalated' })[];

    // Both posts' consoles online, nobody answers: the post asked is online, so the policy's timers run.
    const a = await connect(1, 'op-a3');
    const b = await connect(2, 'op-b3');
    await onlineIs('a3', true);
    await onlineIs('b3', true);
    const both = await nextFault();
    expect(both.raised.payload).toMatchObject({ kind: 'line-fault', counterpartOnline: true, policyId: 'line-fault-now', nextEscalationAt: both.raised.ts + HOUR });
    expect(both.alert).toMatchObject({ counterpartOnline: true, state: 'open' });

    // Only the second post online: still someone at the console asked.
    a.close();
    await onlineIs('a3', false);
    const second = await nextFault();
    expect(second.raised.payload).toMatchObject({ counterpartOnline: true, nextEscalationAt: second.raised.ts + HOUR });

    // Nobody at the post asked: the policy escalates at once, as for any counterpart offline.
    b.close();
    await onlineIs('b3', false);
    const none = await nextFault();
    expect(none.raised.payload).toMatchObject({ counterpartOnline: false, nextEscalationAt: none.raised.ts });
    expect(none.alert).toMatchObject({ counterpartOnline: false });
    const immediate = await waitFor(() => escalationsOfAlert(none.alert.alertId)[0]);
    expect(immediate.payload).toMatchObject({ step: 1, level: 1, reason: 'counterpart-offline', targets: ['cmd-sb2'] });

    // By now the faults raised while the post asked was online would long have escalated, had they done so at once.
    expect(escalationsOfAlert(both.alert.alertId)).toEqual([]);
    expect(escalationsOfAlert(second.alert.alertId)).toEqual([]);
    expect((await monitor.api<{ alert: Alert }>(`/api/alerts/${both.alert.alertId}`)).alert).toMatchObject({ step: 0, state: 'open' });
  });
});

describe('discipline reports', () => {
  it('count answered and missed line checks and acknowledgement times per precedence', async () => {
    const monitor = await connect(0, 'monitor');
    type Report = { links: Record<string, { lineChecks: Record<string, unknown>; precedence: Record<string, { sent: number; acknowledged: number; ackTimes: { count: number } }> }> };
    type Checks = { held: number; answeredBy: Record<string, number>; missedBy: Record<string, number>; faults: number; late: number };
    // Line checks keep coming every two seconds: compare a report with a log read around it that did not move.
    const from = Date.now() - 600_000;
    const { report, l1, log } = await waitFor(async () => {
      const before = await readLog(cluster.redis.client(), 'l1');
      const r = await monitor.api<Report>(`/api/reports/discipline?from=${from}`);
      const after = await readLog(cluster.redis.client(), 'l1');
      return before.length === after.length && { report: r, l1: r.links.l1!.lineChecks as Checks, log: after };
    });
    expect(l1.held).toBe(log.filter((e) => e.type === 'linecheck.started').length);
    expect(l1.answeredBy.a1).toBe(log.filter((e) => e.type === 'linecheck.answered' && e.payload.postId === 'a1').length);
    const closed = log.filter((e) => e.type === 'linecheck.closed') as (Entry & { type: 'linecheck.closed' })[];
    expect(l1.missedBy.b1).toBe(closed.filter((e) => e.payload.missed.includes('b1')).length);
    expect(l1.faults).toBe(closed.filter((e) => e.payload.alertId !== null).length);
    expect(l1.late).toBeGreaterThanOrEqual(1);
    const l2 = report.links.l2!.precedence;
    const l2log = await readLog(cluster.redis.client(), 'l2');
    const flashSent = l2log.filter((e) => e.type === 'message' && e.payload.precedence === 'flash').length;
    expect(l2.flash).toMatchObject({ sent: flashSent, acknowledged: flashSent });
    expect(l2.immediate).toMatchObject({ sent: 1, acknowledged: 1 });
    expect(l2.flash!.ackTimes.count).toBe(flashSent);
  });
});
