import { describe, expect, it } from 'vitest';
import { Alert, alertFromRaise, alertPosts, foldAlert, type Actor, type Entry, type EntryOf } from '@hotline/shared';
import { foldDeadline } from '../../server/src/domain/deadline-fold.js';

const HASH = 'b'.repeat(64);
const opA: Actor = { userId: 'op-a1', role: 'operator', postId: 'a1' };
const opB: Actor = { userId: 'op-b1', role: 'operator', postId: 'b1' };
const system: Actor = { userId: 'system', role: 'system', postId: null };

let seq = 0;
const base = (actor: Actor) => ({ linkId: 'l1', seq: ++seq, ts: 1_000 * seq, actor, drill: false, prevHash: HASH, hash: HASH });

function raised(actor: Actor): EntryOf<'alert.raised'> {
  const b = base(actor);
  return {
    ...b,
    type: 'alert.raised',
    payload: {
      alertId: `AL-l1-${b.seq}`,
      clientAlertId: 'client-alert-1',
      kind: 'drone',
      severity: 3,
      description: 'Drone over the ridge',
      location: { lat: 34, lon: 70 },
      policyId: 'p',
      counterpartOnline: true,
      nextEscalationAt: b.ts + 60_000,
    },
  };
}

const transition = (type: 'alert.acknowledged' | 'alert.resolved' | 'alert.cancelled' | 'alert.commented', actor: Actor, alertId: string, text?: string): Entry =>
  ({ ...base(actor), type, payload: { alertId, ...(text === undefined ? {} : { text }) } }) as Entry;

describe('the alert fold', () => {
  it('opens an alert from its raise that the shared schema accepts, between the posts the rule names', () => {
    const entry = raised(opA);
    const alert = alertFromRaise(entry, alertPosts(['a1', 'b1'], 'a1'));
    expect(Alert.parse(alert)).toEqual(alert);
    expect(alert).toMatchObject({ alertId: entry.payload.alertId, raiserPostId: 'a1', counterpartPostId: 'b1', state: 'open', step: 0, raisedHash: HASH });
    expect(alert.nextEscalationAt).toBe(entry.payload.nextEscalationAt);
  });

  it('puts a line-fault alert against the post that missed the check, or the second post when both did', () => {
    expect(alertPosts(['a1', 'b1'], null, ['a1'])).toEqual({ raiserPostId: 'b1', counterpartPostId: 'a1' });
    expect(alertPosts(['a1', 'b1'], null, ['b1'])).toEqual({ raiserPostId: 'a1', counterpartPostId: 'b1' });
    expect(alertPosts(['a1', 'b1'], null, ['a1', 'b1'])).toEqual({ raiserPostId: 'a1', counterpartPostId: 'b1' });
    expect(alertPosts(['a1', 'b1'], 'b1')).toEqual({ raiserPostId: 'b1', counterpartPostId: 'a1' });
  });

  it('folds escalations, the acknowledgement and the resolution; comments and other alerts change nothing', () => {
    const r = raised(opA);
    let alert = alertFromRaise(r, alertPosts(['a1', 'b1'], 'a1'));
    const opened = alert;
    const esc = { ...base(system), type: 'alert.escalated', payload: { alertId: alert.alertId, step: 1, level: 1, repeat: false, dueAt: 0, targets: ['sup'], targetKinds: ['counterpart-supervisors'], reason: 'timeout', nextEscalationAt: 99_000 } } as Entry;
    alert = foldAlert(alert, esc);
    expect(opened.step).toBe(0); // never mutated
    expect(alert).toMatchObject({ step: 1, nextEscalationAt: 99_000, escalations: [{ step: 1, level: 1, at: esc.ts }], updatedSeq: esc.seq });
    const comment = transition('alert.commented', opB, alert.alertId, 'seen');
    expect(foldAlert(alert, comment)).toBe(alert);
    expect(foldAlert(alert, transition('alert.acknowledged', opB, 'AL-l1-999'))).toBe(alert);
    const ack = transition('alert.acknowledged', opB, alert.alertId);
    alert = foldAlert(alert, ack);
    expect(alert).toMatchObject({ state: 'acknowledged', acknowledgedAt: ack.ts, acknowledgedBy: opB, nextEscalationAt: null, updatedSeq: ack.seq });
    const resolve = transition('alert.resolved', opA, alert.alertId, 'Drone left');
    alert = foldAlert(alert, resolve);
    expect(alert).toMatchObject({ state: 'resolved', resolvedAt: resolve.ts, resolvedBy: opA, resolution: 'Drone left', updatedSeq: resolve.seq });
    expect(Alert.parse(alert)).toEqual(alert);
  });

  it('folds a cancellation', () => {
    const alert = alertFromRaise(raised(opA), alertPosts(['a1', 'b1'], 'a1'));
    const cancel = transition('alert.cancelled', opA, alert.alertId, 'false alarm');
    expect(foldAlert(alert, cancel)).toMatchObject({ state: 'cancelled', cancelledAt: cancel.ts, cancelledBy: opA, nextEscalationAt: null });
  });
});

describe('the message-deadline fold', () => {
  const deadline = {
    id: 'MSG-l1-5', linkId: 'l1', seq: 5, hash: HASH, precedence: 'flash' as const, sentAt: 5000, sentBy: opA, senderPostId: 'a1', counterpartPostId: 'b1',
    drill: false, excerpt: 'x', policyId: 'p', deadlineAt: 605_000, state: 'awaiting' as const, step: 0, nextEscalationAt: 605_000, escalations: [], updatedSeq: 5,
  };

  it('records an escalation and the acknowledgement that quotes the message, nothing else', () => {
    const esc = { ...base(system), type: 'message.escalated', payload: { deadlineId: 'MSG-l1-5', messageSeq: 5, step: 1, level: 1, repeat: false, dueAt: 0, targets: [], targetKinds: [], nextEscalationAt: 700_000 } } as Entry;
    const escalated = foldDeadline(deadline, esc);
    expect(escalated).toMatchObject({ step: 1, nextEscalationAt: 700_000, escalations: [{ step: 1, level: 1, at: esc.ts }] });
    const otherAck = { ...base(opB), type: 'receipt', payload: { kind: 'ack', postId: 'b1', uptoSeq: 6, uptoHash: HASH } } as Entry;
    expect(foldDeadline(escalated, otherAck)).toBe(escalated);
    const ack = { ...base(opB), type: 'receipt', payload: { kind: 'ack', postId: 'b1', uptoSeq: 5, uptoHash: HASH } } as Entry;
    expect(foldDeadline(escalated, ack)).toMatchObject({ state: 'acknowledged', acknowledgedAt: ack.ts, acknowledgedBy: opB, ackSeq: ack.seq, nextEscalationAt: null });
  });
});
