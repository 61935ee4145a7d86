import { describe, expect, it } from 'vitest';
import type { Actor, Entry, Escalation, SessionUser, VisibleTopology } from '@hotline/shared';
import { ConsoleModel } from '../../console/src/model.js';
import { formatDuration } from '../../console/src/format.js';

const HASH = 'a'.repeat(64);

const topology: VisibleTopology = {
  name: 't',
  sides: [
    { id: 'a', name: 'Side A', languages: ['ur', 'en'] },
    { id: 'b', name: 'Side B', languages: ['ps', 'prs', 'en'] },
  ],
  sectors: [
    { id: 'sa', side: 'a', name: 'SA' },
    { id: 'sb', side: 'b', name: 'SB' },
  ],
  posts: [
    { id: 'a1', side: 'a', sector: 'sa', name: 'Post A1', location: { lat: 34.1, lon: 70 } },
    { id: 'b1', side: 'b', sector: 'sb', name: 'Post B1', location: { lat: 33.9, lon: 70 } },
  ],
  links: [{ id: 'l1', name: 'Link 1', posts: ['a1', 'b1'] }],
  users: [],
  phrases: [{ id: 'cease-fire', text: { en: 'Cease fire.', ur: 'فائرنگ بند کریں۔', ps: 'ډزې ودروئ.', prs: 'آتش را متوقف کنید.' } }],
  escalationPolicies: [{ id: 'p', name: 'p', onCounterpartOffline: 'wait', levels: [{ delay: 1000, targets: ['counterpart-supervisors'] }] }],
  precedence: { flash: { deadline: 600_000 }, immediate: { deadline: 1_800_000 } },
};

function user(over: Partial<SessionUser>): SessionUser {
  return { id: 'u', name: 'U', role: 'operator', side: 'a', post: 'a1', supervisor: false, sectors: [], joint: false, drillOfficer: false, ...over };
}

const opA: Actor = { userId: 'op-a1', role: 'operator', postId: 'a1' };
const opB: Actor = { userId: 'op-b1', role: 'operator', postId: 'b1' };
const system: Actor = { userId: 'system', role: 'system', postId: null };

/** Entries of link l1 with consecutive seqs. */
function log() {
  let seq = 0;
  const base = (actor: Actor, drill = false) => ({ linkId: 'l1', seq: ++seq, ts: 1_000 * (seq + 1), actor, drill, prevHash: HASH, hash: HASH });
  return {
    message: (actor: Actor, text: string, precedence: 'routine' | 'flash' = 'routine', drill = false): Entry => ({
      ...base(actor, drill),
      type: 'message',
      payload: { clientMsgId: `msg-${seq + 1}-xxxxxx`, text, precedence },
    }),
    ack: (actor: Actor, uptoSeq: number): Entry => ({
      ...base(actor),
      type: 'receipt',
      payload: { kind: 'ack', postId: actor.postId!, uptoSeq, uptoHash: HASH },
    }),
    messageEscalated: (messageSeq: number, step: number, next: number | null): Entry => ({
      ...base(system),
      type: 'message.escalated',
      payload: { deadlineId: `MSG-l1-${messageSeq}`, messageSeq, step, level: step, repeat: false, dueAt: 0, targets: ['sup-b1'], targetKinds: ['counterpart-supervisors'], nextEscalationAt: next },
    }),
    checkStarted: (checkId: string, late = false): Entry => {
      const b = base(system);
      return { ...b, type: 'linecheck.started', payload: { checkId, slotAt: b.ts - 10, late, missedSlots: late ? 3 : 0, windowEndsAt: b.ts + 5000, posts: ['a1', 'b1'] } };
    },
    checkAnswered: (actor: Actor, checkId: string): Entry => ({ ...base(actor), type: 'linecheck.answered', payload: { checkId, postId: actor.postId!, quotedHash: HASH } }),
    checkClosed: (checkId: string, answered: string[], missed: string[], alertId: string | null): Entry => ({
      ...base(system),
      type: 'linecheck.closed',
      payload: { checkId, answered, missed, alertId },
    }),
    lineFault: (checkId: string): Entry => {
      const b = base(system);
      return {
        ...b,
        type: 'alert.raised',
        payload: { alertId: `AL-l1-${b.seq}`, clientAlertId: `sys-${checkId}`, kind: 'line-fault', severity: 2, description: 'Line check not answered by Post B1', policyId: 'p', counterpartOnline: false, nextEscalationAt: null, lineCheckId: checkId },
      };
    },
    receipt: (actor: Actor, kind: 'delivered' | 'read', uptoSeq: number): Entry => ({
      ...base(actor),
      type: 'receipt',
      payload: { kind, postId: actor.postId!, uptoSeq, uptoHash: HASH },
    }),
    raise: (actor: Actor, severity: 1 | 2 | 3 | 4 = 3, drill = false): Entry => {
      const b = base(actor, drill);
      return {
        ...b,
        type: 'alert.raised',
        payload: { alertId: `AL-l1-${b.seq}`, clientAlertId: `alert-${b.seq}-xxxxx`, kind: 'small-arms-fire', severity, description: 'shots', policyId: 'p', counterpartOnline: true, nextEscalationAt: b.ts + 1000 },
      };
    },
    escalate: (alertId: string, step: number, next: number | null): Entry => ({
      ...base(system),
      type: 'alert.escalated',
      payload: { alertId, step, level: 1, repeat: false, dueAt: 0, targets: ['sup-b1'], targetKinds: ['counterpart-supervisors'], reason: 'timeout', nextEscalationAt: next },
    }),
    transition: (type: 'alert.acknowledged' | 'alert.resolved' | 'alert.cancelled' | 'alert.commented', actor: Actor, alertId: string, text?: string): Entry =>
      ({ ...base(actor), type, payload: text === undefined ? { alertId } : { alertId, text } }) as Entry,
  };
}

describe('console model', () => {
  it('counts unread messages per post and shows sent, delivered and read marks with when', () => {
    const m = new ConsoleModel(topology, user({}));
    const l = log();
    const out = l.message(opA, 'hello');
    m.apply(out);
    m.apply(l.message(opB, 'one'));
    m.apply(l.message(opB, 'two'));
    expect(m.unread('l1', 'a1')).toBe(2);
    expect(m.unread('l1', 'b1')).toBe(1);
    expect(m.lastIncomingSeq('l1', 'a1')).toBe(3);
    expect(m.mark(m.threads.get('l1')!.messages[0]!)).toEqual({ mark: 'sent' });

    const delivered = l.receipt(opB, 'delivered', 1);
    m.apply(delivered);
    expect(m.mark(m.threads.get('l1')!.messages[0]!)).toEqual({ mark: 'delivered', at: delivered.ts });
    const read = l.receipt(opB, 'read', 3);
    m.apply(read);
    expect(m.mark(m.threads.get('l1')!.messages[0]!)).toEqual({ mark: 'read', at: read.ts });
    expect(m.unread('l1', 'b1')).toBe(0);

    // A read sent by this console counts at once, before its receipt comes back through the log.
    m.noteLocalRead('l1', 3);
    expect(m.unread('l1', 'a1')).toBe(0);
    expect(m.threads.get('l1')!.items.map((i) => i.seq)).toEqual([1, 2, 3]); // receipts are marks, not items
  });

  it('applies each entry once: repeats and older seqs change nothing', () => {
    const m = new ConsoleModel(topology, user({}));
    const l = log();
    const e = l.message(opB, 'once');
    expect(m.apply(e)).not.toBeNull();
    expect(m.apply(e)).toBeNull();
    expect(m.threads.get('l1')!.messages).toHaveLength(1);
  });

  it('projects an alert from its entries as the server does, with its timeline', () => {
    const m = new ConsoleModel(topology, user({ side: 'b', post: 'b1' }));
    const l = log();
    const raised = l.raise(opA, 4);
    m.apply(raised);
    const id = 'AL-l1-1';
    expect(m.alert(id)!.alert).toMatchObject({ state: 'open', raiserPostId: 'a1', counterpartPostId: 'b1', severity: 4, step: 0, raisedAt: raised.ts });
    expect(m.incomingAlerts.map((r) => r.alert.alertId)).toEqual([id]);
    m.apply(l.escalate(id, 1, 9_999));
    expect(m.alert(id)!.alert).toMatchObject({ step: 1, nextEscalationAt: 9_999 });
    m.apply(l.transition('alert.commented', opA, id, 'still firing'));
    const ack = l.transition('alert.acknowledged', opB, id, 'seen');
    m.apply(ack);
    expect(m.alert(id)!.alert).toMatchObject({ state: 'acknowledged', nextEscalationAt: null, acknowledgedAt: ack.ts, acknowledgedBy: opB });
    expect(m.incomingAlerts).toEqual([]);
    m.apply(l.transition('alert.resolved', opA, id, 'ceasefire holds'));
    expect(m.alert(id)!.alert).toMatchObject({ state: 'resolved', resolution: 'ceasefire holds' });
    expect(m.alert(id)!.timeline.map((e) => e.type)).toEqual(['alert.raised', 'alert.escalated', 'alert.commented', 'alert.acknowledged', 'alert.resolved']);
    expect(m.threads.get('l1')!.items.filter((i) => i.kind === 'alert')).toHaveLength(5);
  });

  it('filters and orders alerts: open first by severity, then acknowledged, then the rest', () => {
    const m = new ConsoleModel(topology, user({ role: 'monitor', post: null, side: null }));
    const l = log();
    m.apply(l.raise(opA, 2)); // 1 open
    m.apply(l.raise(opB, 4)); // 2 open
    m.apply(l.raise(opA, 3, true)); // 3 drill, acknowledged below
    m.apply(l.transition('alert.acknowledged', opB, 'AL-l1-3'));
    m.apply(l.raise(opA, 1)); // 5 cancelled below
    m.apply(l.transition('alert.cancelled', opA, 'AL-l1-5'));
    const ids = (f: Parameters<ConsoleModel['filteredAlerts']>[0]) => m.filteredAlerts(f).map((r) => r.alert.alertId);
    const all = { state: 'all', link: 'all', minSeverity: 1, drill: 'all' } as const;
    expect(ids(all)).toEqual(['AL-l1-2', 'AL-l1-1', 'AL-l1-3', 'AL-l1-5']);
    expect(ids({ ...all, state: 'active' })).toEqual(['AL-l1-2', 'AL-l1-1', 'AL-l1-3']);
    expect(ids({ ...all, state: 'cancelled' })).toEqual(['AL-l1-5']);
    expect(ids({ ...all, minSeverity: 3 })).toEqual(['AL-l1-2', 'AL-l1-3']);
    expect(ids({ ...all, drill: 'drill' })).toEqual(['AL-l1-3']);
    expect(ids({ ...all, drill: 'real', link: 'l1' })).toEqual(['AL-l1-2', 'AL-l1-1', 'AL-l1-5']);
    expect(ids({ ...all, link: 'l9' })).toEqual([]);
  });

  it('offers only the actions the server allows, and says for which post a commander acts', () => {
    const l = log();
    const raised = l.raise(opA);
    const perms = (u: Partial<SessionUser>, drillOnly = false) => {
      const m = new ConsoleModel(topology, user(u), { drillOnly });
      m.apply(raised);
      return m.permissions(m.alert('AL-l1-1')!.alert);
    };
    expect(perms({})).toEqual({ ack: false, cancel: true, resolve: false, comment: true, actingFor: 'a1' });
    expect(perms({ side: 'b', post: 'b1' })).toEqual({ ack: true, cancel: false, resolve: false, comment: true, actingFor: 'b1' });
    expect(perms({ role: 'commander', post: null, side: 'b', sectors: ['sb'] })).toEqual({ ack: true, cancel: false, resolve: false, comment: true, actingFor: 'b1' });
    expect(perms({ role: 'commander', post: null, side: 'a', sectors: ['sa'] })).toEqual({ ack: false, cancel: true, resolve: false, comment: true, actingFor: 'a1' });
    expect(perms({ role: 'commander', post: null, side: null, joint: true })).toMatchObject({ ack: true, cancel: true, actingFor: 'b1' });
    expect(perms({ role: 'monitor', post: null })).toEqual({ ack: false, cancel: false, resolve: false, comment: false, actingFor: null });
    expect(perms({ side: 'b', post: 'b1' }, true)).toMatchObject({ ack: false, comment: false }); // a drill token, a real alert

    const m = new ConsoleModel(topology, user({ side: 'b', post: 'b1' }));
    m.apply(raised);
    m.apply(l.transition('alert.acknowledged', opB, 'AL-l1-1'));
    expect(m.permissions(m.alert('AL-l1-1')!.alert)).toMatchObject({ ack: false, cancel: false, resolve: true, comment: true });
  });

  it('sends a phrase in both sides\' languages and recognises it, but never free text', () => {
    const m = new ConsoleModel(topology, user({}));
    const link = m.link('l1')!;
    const langs = m.phraseLanguages(link);
    expect(langs).toEqual(['ur', 'en', 'ps', 'prs']);
    const text = m.composePhrase(topology.phrases[0]!, langs);
    expect(text.split('\n')).toEqual(['فائرنگ بند کریں۔', 'Cease fire.', 'ډزې ودروئ.', 'آتش را متوقف کنید.']);
    const match = m.matchPhrase(text)!;
    expect(match.phrase.id).toBe('cease-fire');
    expect(match.lines.map((x) => x.lang)).toEqual(['ur', 'en', 'ps', 'prs']);
    // One language alone is still the phrase, shown in every language.
    expect(m.matchPhrase('ډزې ودروئ.')!.lines).toHaveLength(4);
    expect(m.matchPhrase('Cease fire. Now!')).toBeNull();
    expect(m.matchPhrase('Cease fire.\nAnd more')).toBeNull();
  });

  it('keeps escalations once each and counts the unread ones', () => {
    const m = new ConsoleModel(topology, user({ role: 'commander', post: null, sectors: ['sb'] }));
    const l = log();
    m.apply(l.raise(opA));
    const alert = m.alert('AL-l1-1')!.alert;
    const esc = (position: number): Escalation => ({ position, subject: 'alert', id: alert.alertId, alertId: alert.alertId, linkId: 'l1', step: position, level: 1, drill: false, entrySeq: 2, at: 5, alert });
    expect(m.addEscalation(esc(1))).toBe(true);
    expect(m.addEscalation(esc(1))).toBe(false);
    m.addEscalation(esc(2));
    expect(m.inbox.map((e) => e.position)).toEqual([2, 1]);
    m.inboxReadUpto = 1;
    expect(m.unreadEscalations.map((e) => e.position)).toEqual([2]);
    expect(m.receivesEscalations).toBe(true);
  });

  it('gives flash messages a deadline from the topology, stops it at the counterpart\'s ack, records escalations', () => {
    const m = new ConsoleModel(topology, user({ side: 'b', post: 'b1' }));
    const l = log();
    const flash = l.message(opA, 'FLASH: cease fire', 'flash');
    m.apply(flash);
    m.apply(l.message(opA, 'routine'));
    expect(m.deadlines.size).toBe(1);
    const d = m.deadline('l1', flash.seq)!;
    expect(d).toMatchObject({ id: 'MSG-l1-1', state: 'awaiting', deadlineAt: flash.ts + 600_000, senderPostId: 'a1', counterpartPostId: 'b1', excerpt: 'FLASH: cease fire' });
    expect(m.messageAckPost(d)).toBe('b1');
    expect(m.awaitingDeadlines.map((x) => x.id)).toEqual(['MSG-l1-1']);
    // The server's view fills in what the topology does not say (policy, next escalation)...
    m.mergeDeadline({ ...d, hash: HASH, escalations: [], step: 0, policyId: 'p', nextEscalationAt: 777, updatedSeq: 1 } as never);
    expect(m.deadline('l1', 1)).toMatchObject({ policyId: 'p', nextEscalationAt: 777 });
    const esc = l.messageEscalated(flash.seq, 1, 9_000);
    expect(m.apply(esc)).toMatchObject({ kind: 'deadline', id: 'MSG-l1-1' });
    expect(m.deadline('l1', 1)).toMatchObject({ nextEscalationAt: 9_000, escalations: [{ step: 1, level: 1, targets: ['sup-b1'] }] });
    const ack = l.ack(opB, flash.seq);
    m.apply(ack);
    expect(m.deadline('l1', 1)).toMatchObject({ state: 'acknowledged', acknowledgedAt: ack.ts, acknowledgedBy: opB, nextEscalationAt: null });
    expect(m.awaitingDeadlines).toEqual([]);
    expect(m.recentlyAcknowledged(3).map((x) => x.id)).toEqual(['MSG-l1-1']);
    // An ack is not a delivery mark, and an older server snapshot does not undo it.
    expect(m.threads.get('l1')!.delivered.size).toBe(0);
    m.mergeDeadline({ ...d, state: 'awaiting', step: 1, nextEscalationAt: 12_000 } as never);
    expect(m.deadline('l1', 1)).toMatchObject({ state: 'acknowledged', nextEscalationAt: null });
    expect(m.threads.get('l1')!.items.map((i) => i.kind)).toEqual(['message', 'message', 'event']);
  });

  it('lets only the counterpart post (or a commander covering it) acknowledge a message', () => {
    const l = log();
    const flash = l.message(opA, 'FLASH', 'flash');
    const who = (u: Partial<SessionUser>, drillOnly = false) => {
      const m = new ConsoleModel(topology, user(u), { drillOnly });
      m.apply(flash);
      return m.messageAckPost(m.deadline('l1', 1)!);
    };
    expect(who({})).toBeNull(); // the sending post
    expect(who({ side: 'b', post: 'b1' })).toBe('b1');
    expect(who({ role: 'commander', post: null, side: 'b', sectors: ['sb'] })).toBe('b1');
    expect(who({ role: 'commander', post: null, side: 'a', sectors: ['sa'] })).toBeNull();
    expect(who({ role: 'commander', post: null, side: null, joint: true })).toBe('b1');
    expect(who({ role: 'monitor', post: null })).toBeNull();
    expect(who({ side: 'b', post: 'b1' }, true)).toBeNull(); // a drill token, a real message
  });

  it('follows a line check: pending for the post until it answers, then the outcome; the fault is raised by the system against the silent post', () => {
    const a = new ConsoleModel(topology, user({}));
    const b = new ConsoleModel(topology, user({ side: 'b', post: 'b1' }));
    const l = log();
    const entries = [l.checkStarted('LC-l1-1', true)];
    for (const e of entries) [a, b].forEach((m) => m.apply(e));
    expect(a.pendingLineChecks.map((c) => c.checkId)).toEqual(['LC-l1-1']);
    expect(a.lineChecks.get('LC-l1-1')).toMatchObject({ late: true, missedSlots: 3, posts: ['a1', 'b1'], closed: null });
    const more = [l.checkAnswered(opA, 'LC-l1-1'), l.checkClosed('LC-l1-1', ['a1'], ['b1'], 'AL-l1-4'), l.lineFault('LC-l1-1')];
    for (const e of more) [a, b].forEach((m) => m.apply(e));
    expect(a.pendingLineChecks).toEqual([]);
    expect(b.pendingLineChecks).toEqual([]); // closed: nothing left to answer
    expect(a.lineChecks.get('LC-l1-1')!.closed).toMatchObject({ answered: ['a1'], missed: ['b1'], alertId: 'AL-l1-4' });
    expect(a.lineChecks.get('LC-l1-1')!.answers.get('a1')).toMatchObject({ actor: opA, seq: 2 });
    // The line-fault alert: raised by the system, on behalf of the post that answered, against the silent one.
    expect(b.alert('AL-l1-4')!.alert).toMatchObject({ kind: 'line-fault', raisedBy: system, raiserPostId: 'a1', counterpartPostId: 'b1' });
    expect(b.incomingAlerts.map((r) => r.alert.alertId)).toEqual(['AL-l1-4']);
    expect(a.incomingAlerts).toEqual([]);
    expect(a.threads.get('l1')!.items.map((i) => i.kind)).toEqual(['event', 'event', 'event', 'alert']);
  });

  it('formats durations', () => {
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('0:00');
  });
});
