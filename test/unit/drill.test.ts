import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, entryHashInput, type Entry, type EntryDraft, type EscalationPolicy, type Link, type Post } from '@hotline/shared';
import { checkIntegrity } from '../../scripts/drill/integrity.js';
import type { DrillObservations } from '../../scripts/drill/model.js';
import { LIMITS, parseDrillOptions } from '../../scripts/drill/options.js';
import { planDrill, rampTimes } from '../../scripts/drill/plan.js';
import { Rng, parseDelay, sampleDelay } from '../../scripts/drill/random.js';
import { buildReport, renderHtml, renderText } from '../../scripts/drill/report.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { histogram, summarize } from '../../scripts/lib/stats.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const auth = ['--user', 'admin', '--password', 'x'];

describe('drill options', () => {
  it('parses flags with defaults and refuses values above the hard limits', () => {
    const o = parseDrillOptions([...auth, '--pattern', 'burst', '--duration', '5m', '--chatter', '10'], {})!;
    expect(o).toMatchObject({ pattern: 'burst', durationMs: 300_000, burstSize: 50, burstWindowMs: 2000, chatter: 10, url: 'http://127.0.0.1:8080' });
    expect(() => parseDrillOptions([...auth, '--rate', String(LIMITS.alertRate + 1)], {})).toThrow(/above the limit of 20/);
    expect(() => parseDrillOptions([...auth, '--chatter', '1000'], {})).toThrow(/above the limit of 100/);
    expect(() => parseDrillOptions([...auth, '--count', '5001'], {})).toThrow(/above the limit/);
    expect(() => parseDrillOptions([...auth, '--duration', '3h'], {})).toThrow(/above the limit of 2h/);
    expect(() => parseDrillOptions([...auth, '--pattern', 'burst', '--burst-size', '200', '--burst-window', '1s'], {})).toThrow(/200.0 alerts\/s, above the limit of 50/);
    expect(() => parseDrillOptions([...auth, '--burst-size', '10'], {})).toThrow(/only applies to --pattern burst/);
    expect(() => parseDrillOptions([...auth, '--pattern', 'wave'], {})).toThrow(/one of steady, burst, ramp/);
    expect(() => parseDrillOptions([...auth, '--duration', 'soon'], {})).toThrow(/not a duration/);
    expect(() => parseDrillOptions([...auth, '--bogus'], {})).toThrow(UsageError);
    expect(() => parseDrillOptions([], {})).toThrow(/drill officer/);
    expect(() => parseDrillOptions(['--user', 'admin'], {})).toThrow(/--password/);
    expect(parseDrillOptions(['--help'], {})).toBeNull();
  });

  it('parses delay distributions and samples within their bounds', () => {
    const rng = new Rng(7);
    const u = parseDelay('ack-delay', 'uniform:2s..4s');
    for (let i = 0; i < 200; i++) expect(sampleDelay(u, rng)).toSatisfy((v: number) => v >= 2000 && v <= 4000);
    expect(parseDelay('x', 'fixed:250ms')).toEqual({ kind: 'fixed', ms: 250 });
    const ln = parseDelay('x', 'lognormal:8s:0.5');
    const samples = Array.from({ length: 2000 }, () => sampleDelay(ln, rng)).sort((a, b) => a - b);
    expect(samples[1000]).toBeGreaterThan(6500);
    expect(samples[1000]).toBeLessThan(9500);
    expect(() => parseDelay('x', 'gamma:3s')).toThrow(/not a delay distribution/);
    expect(() => parseDelay('x', 'uniform:5s..1s')).toThrow(/below its minimum/);
  });
});

describe('drill plan', () => {
  const posts: Post[] = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'].map((id) => ({ id, side: id[0]!, sector: `s${id}`.slice(0, 2) + (id === 'a3' || id === 'b3' ? '2' : '1'), name: id, location: { lat: 0, lon: 0 } }) as Post);
  const links: Link[] = [
    { id: 'l1', name: 'l1', posts: ['a1', 'b1'] },
    { id: 'l2', name: 'l2', posts: ['a2', 'b2'] },
    { id: 'l3', name: 'l3', posts: ['a3', 'b3'] },
  ];

  it('ramps linearly: the arrival count follows the integral of the rate', () => {
    const t = rampTimes(0, 10, 10_000); // 0 → 10/s over 10 s: 50 arrivals, most of them late
    expect(t).toHaveLength(50);
    expect(t.filter((x) => x < 5000)).toHaveLength(12);
    expect(rampTimes(2, 2, 5000)).toEqual([250, 750, 1250, 1750, 2250, 2750, 3250, 3750, 4250, 4750]);
  });

  it('puts each burst on one sector, spread over its window, beside the steady stream', () => {
    const o = parseDrillOptions([...auth, '--pattern', 'burst', '--rate', '1', '--burst-size', '50', '--burst-window', '2s', '--burst-every', '20s', '--duration', '60s', '--chatter', '2'], {})!;
    const plan = planDrill(o, links, posts, new Rng(1));
    expect(plan.bursts.map((b) => b.at)).toEqual([10_000, 30_000, 50_000]);
    expect(plan.alerts).toHaveLength(60 + 150);
    for (const b of plan.bursts) {
      const mine = plan.alerts.filter((a) => a.burst === b.index);
      expect(mine).toHaveLength(50);
      expect(new Set(mine.map((a) => posts.find((p) => p.id === a.raiserPostId)!.sector))).toEqual(new Set([b.sector]));
      expect(Math.min(...mine.map((a) => a.at))).toBe(b.at);
      expect(Math.max(...mine.map((a) => a.at))).toBeLessThan(b.at + 2000);
    }
    expect(plan.messages).toHaveLength(120);
    expect(plan.alerts.map((a) => a.at)).toEqual([...plan.alerts.map((a) => a.at)].sort((x, y) => x - y));
  });

  it('stops at --count and refuses plans over the per-drill limits', () => {
    const counted = planDrill(parseDrillOptions([...auth, '--rate', '10', '--count', '25', '--duration', '1h'], {})!, links, posts, new Rng(1));
    expect(counted.alerts).toHaveLength(25);
    expect(counted.endMs).toBeLessThan(5000);
    expect(() => planDrill(parseDrillOptions([...auth, '--rate', '20', '--duration', '10m'], {})!, links, posts, new Rng(1))).toThrow(/12000 alerts .* above the limit of 5000/);
  });
});

// --- integrity ---------------------------------------------------------------------------------------

const policy: EscalationPolicy = {
  id: 'drill',
  name: 'drill',
  onCounterpartOffline: 'wait',
  levels: [
    { delay: 1000, targets: ['counterpart-supervisors'] },
    { delay: 2000, targets: ['joint-command'] },
  ],
};

/** Builds a valid hash-chained log for link l1 from drafts, with the given timestamps. */
function chain(drafts: (EntryDraft & { ts: number })[]): Entry[] {
  let prev = { seq: 0, hash: GENESIS_HASH };
  return drafts.map(({ ts, ...d }) => {
    const unsealed = { ...d, seq: prev.seq + 1, ts, prevHash: prev.hash } as Omit<Entry, 'hash'>;
    const e = { ...unsealed, hash: sha256(entryHashInput(unsealed)) } as Entry;
    prev = e;
    return e;
  });
}

const op = (post: string) => ({ userId: `op-${post}`, role: 'operator' as const, postId: post });
const sys = { userId: 'system', role: 'system' as const, postId: null };
const T = 1_000_000;
const raised = (ts: number): EntryDraft & { ts: number } => ({
  ts,
  linkId: 'l1',
  type: 'alert.raised',
  actor: op('a1'),
  drill: true,
  payload: { alertId: 'AL-l1-1', clientAlertId: 'drill-t-a1', kind: 'other', severity: 2, description: 'x', policyId: 'drill', counterpartOnline: true, nextEscalationAt: ts + 1000 },
});
const escalated = (ts: number, step: number, dueAt: number): EntryDraft & { ts: number } => ({
  ts,
  linkId: 'l1',
  type: 'alert.escalated',
  actor: sys,
  drill: true,
  payload: { alertId: 'AL-l1-1', step, level: step, repeat: false, dueAt, targets: ['sup-b1'], targetKinds: ['counterpart-supervisors'], reason: 'timeout', nextEscalationAt: null },
});
const acked = (ts: number): EntryDraft & { ts: number } => ({ ts, linkId: 'l1', type: 'alert.acknowledged', actor: op('b1'), drill: true, payload: { alertId: 'AL-l1-1' } });

function observations(log: Entry[], extra: Partial<DrillObservations> = {}): DrillObservations {
  const seqs = log.map((e) => e.seq);
  const hashes = log.map((e) => e.hash);
  return {
    runTag: 'drill-t',
    startedAt: T,
    sendingEndedAt: T + 1,
    finalSyncAt: T + 10_000,
    links: [{ id: 'l1', name: 'l1', posts: ['a1', 'b1'] }],
    policies: [policy],
    startHeads: { l1: { seq: 0, hash: GENESIS_HASH } },
    finalLogs: { l1: log },
    sends: [{ kind: 'alert', clientId: 'drill-t-a1', linkId: 'l1', fromPostId: 'a1', senderUserId: 'op-a1', counterpartUserId: 'op-b1', plannedAt: 0, sentAt: T, burst: null, stored: { seq: 1, hash: log[0]!.hash, ts: log[0]!.ts, alertId: 'AL-l1-1' }, storedAt: T + 3 }],
    actions: [],
    deliveries: [
      { userId: 'op-a1', linkId: 'l1', seqs: [...seqs], hashes: [...hashes] },
      { userId: 'op-b1', linkId: 'l1', seqs: [...seqs], hashes: [...hashes] },
    ],
    counterpartArrival: { 'drill-t-a1': T + 5 },
    escalationsSeen: log.flatMap((e, i) => (e.type === 'alert.escalated' ? [{ userId: 'sup-b1', alertId: 'AL-l1-1', step: e.payload.step, level: e.payload.level, position: i, entrySeq: e.seq, at: e.ts }] : [])),
    simulatedUsers: ['op-a1', 'op-b1', 'sup-b1'],
    userKinds: { 'op-a1': 'counterpart', 'op-b1': 'counterpart', 'sup-b1': 'supervisor' },
    forks: [],
    unconfirmed: 0,
    droppedResponses: 0,
    ...extra,
  };
}

const failing = (obs: DrillObservations, grace = 500) =>
  checkIntegrity(obs, grace)
    .checks.filter((c) => !c.ok)
    .map((c) => c.id);

describe('drill integrity check', () => {
  const good = chain([raised(T), escalated(T + 1010, 1, T + 1000), acked(T + 1500)]);

  it('passes a consistent run', () => {
    const r = checkIntegrity(observations(good), 500);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('fails a console that delivered an entry twice, skipped one, or saw another hash', () => {
    const twice = observations(good);
    twice.deliveries[1]!.seqs.splice(1, 0, 1);
    twice.deliveries[1]!.hashes.splice(1, 0, good[0]!.hash);
    expect(failing(twice)).toEqual(['exactly-once']);
    const skipped = observations(good);
    skipped.deliveries[0]!.seqs.splice(1, 1);
    skipped.deliveries[0]!.hashes.splice(1, 1);
    expect(failing(skipped)).toEqual(['exactly-once']);
    const other = observations(good);
    other.deliveries[0]!.hashes[2] = 'f'.repeat(64);
    expect(failing(other)).toEqual(['exactly-once']);
  });

  it('fails a broken chain, an acknowledged send missing from the log, and a duplicate', () => {
    const tampered = good.map((e) => ({ ...e }));
    (tampered[1] as Entry).ts += 1;
    expect(failing(observations(tampered))).toContain('chain');
    const lost = observations(good);
    lost.sends[0]!.stored = { seq: 9, hash: 'a'.repeat(64), ts: T };
    expect(failing(lost)).toEqual(['acked-stored']);
    const dup = chain([raised(T), { ...raised(T + 5), payload: { ...(raised(T).payload as object), alertId: 'AL-l1-2' } } as EntryDraft & { ts: number }]);
    expect(failing(observations(dup))).toContain('no-duplicates');
  });

  it('fails an alert that never reached the counterpart', () => {
    expect(failing(observations(good, { counterpartArrival: {} }))).toEqual(['counterpart-delivery']);
  });

  it('fails an escalation after the acknowledgement, a duplicate step, a lost step and a wrong level', () => {
    const afterAck = chain([raised(T), acked(T + 900), escalated(T + 1010, 1, T + 1000)]);
    expect(failing(observations(afterAck))).toEqual(['escalation-once']);
    const twice = chain([raised(T), escalated(T + 1010, 1, T + 1000), escalated(T + 1020, 1, T + 1000), acked(T + 1500)]);
    expect(failing(observations(twice))).toContain('escalation-once');
    // Open until 10 s: step 2 (due at 2 s) never fired.
    const lost = chain([raised(T), escalated(T + 1010, 1, T + 1000), { ...acked(T + 10_000), type: 'alert.cancelled' } as EntryDraft & { ts: number }]);
    expect(failing(observations(lost))).toEqual(['escalation-not-lost']);
    // Within the grace, an acknowledgement that came just after the due time is no loss.
    const close = chain([raised(T), acked(T + 1200)]);
    expect(failing(observations(close))).toEqual([]);
    const wrongDue = chain([raised(T), escalated(T + 1010, 1, T + 1500), acked(T + 1600)]);
    expect(failing(observations(wrongDue))).toEqual(['escalation-once']);
  });

  it('fails a target notified twice, not at all, or of an escalation the log does not hold', () => {
    const obs = observations(good);
    obs.escalationsSeen.push({ ...obs.escalationsSeen[0]!, position: 99 });
    expect(failing(obs)).toEqual(['escalation-notified']);
    expect(failing(observations(good, { escalationsSeen: [] }))).toEqual(['escalation-notified']);
    const phantom = observations(good);
    phantom.escalationsSeen.push({ ...phantom.escalationsSeen[0]!, step: 2 });
    expect(failing(phantom)).toEqual(['escalation-notified']);
  });

  it('renders the report as text and as a self-contained page', () => {
    const o = parseDrillOptions([...auth, '--duration', '10s'], {})!;
    const obs = observations(good);
    const report = buildReport(obs, { options: o, plan: { alerts: [], messages: [], endMs: 10_000, bursts: [] }, users: { operators: ['op-a1', 'op-b1'], supervisors: ['sup-b1'], commanders: [] }, aborted: false, finishedAt: T + 11_000 });
    expect(report.integrity.ok).toBe(true);
    expect(report.escalations).toMatchObject({ total: 1, byLevel: { '1': 1 }, alertsEscalated: 1 });
    expect(report.acknowledgement).toMatchObject({ alerts: 1, byCounterpart: 1, notAcknowledged: 0 });
    expect(report.acknowledgement.timeToAckMs.afterEscalation.p50).toBe(1500);
    expect(report.latencyMs.alertDelivery.p50).toBe(5);
    expect(JSON.stringify(report)).not.toContain('"password"');
    const text = renderText(report);
    expect(text).toContain('Integrity: PASS');
    expect(text).toContain('level 1: 1');
    const html = renderHtml(report);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src=/);
  });
});

describe('stats', () => {
  it('summarizes with nearest-rank percentiles and bins into a histogram', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toMatchObject({ count: 100, min: 1, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(summarize([])).toMatchObject({ count: 0, p50: null });
    expect(histogram([0, 1, 5, 10, 50], [0, 2, 10]).map((b) => b.count)).toEqual([2, 1, 2]);
  });
});
