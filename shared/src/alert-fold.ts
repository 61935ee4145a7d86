import type { Entry, EntryOf } from './entries.js';
import type { Alert } from './projections.js';

/**
 * The one reducer of alert state: the Alert projection is the fold of the alert's entries, in seq
 * order. The server writes what this returns beside the log in the same atomic step as the entry; the
 * console rebuilds the same state from the entries it holds. Pure and free of zod (core.ts).
 */

/** The two posts an alert is between. */
export interface AlertPosts {
  raiserPostId: string;
  counterpartPostId: string;
}

/**
 * The posts of an alert raised on a link. An operator's alert is raised by their post against the
 * other end. A line-fault alert (raised by the system, `raiserPostId` null) is against the post that did
 * not answer the line check, or against the second post of the link when neither did.
 */
export function alertPosts(linkPosts: readonly [string, string], raiserPostId: string | null, missed: readonly string[] = []): AlertPosts {
  const other = (p: string) => (linkPosts[0] === p ? linkPosts[1] : linkPosts[0]);
  const raiser = raiserPostId ?? (missed.length === 1 ? other(missed[0]!) : linkPosts[0]);
  return { raiserPostId: raiser, counterpartPostId: other(raiser) };
}

/** The alert an alert.raised entry opens. */
export function alertFromRaise(entry: EntryOf<'alert.raised'>, posts: AlertPosts): Alert {
  const p = entry.payload;
  return {
    alertId: p.alertId,
    linkId: entry.linkId,
    raisedSeq: entry.seq,
    raisedBy: entry.actor,
    raisedAt: entry.ts,
    raisedHash: entry.hash,
    raiserPostId: posts.raiserPostId,
    counterpartPostId: posts.counterpartPostId,
    kind: p.kind,
    severity: p.severity,
    description: p.description,
    ...(p.location ? { location: p.location } : {}),
    ...(p.occurredAt !== undefined ? { occurredAt: p.occurredAt } : {}),
    drill: entry.drill,
    policyId: p.policyId,
    counterpartOnline: p.counterpartOnline,
    state: 'open',
    step: 0,
    escalations: [],
    nextEscalationAt: p.nextEscalationAt,
    updatedSeq: entry.seq,
  };
}

/**
 * The alert after one more of its entries. Returns a new object for an entry that changes it
 * (escalated, acknowledged, resolved, cancelled) and the same object for any other (a comment, or an
 * entry about something else). Whether a transition is allowed is decided before the entry is written
 * (domain/alert-machine.ts on the server); the fold only records what the log says happened.
 */
export function foldAlert(alert: Alert, entry: Entry): Alert {
  switch (entry.type) {
    case 'alert.escalated':
      if (entry.payload.alertId !== alert.alertId) return alert;
      return {
        ...alert,
        step: entry.payload.step,
        nextEscalationAt: entry.payload.nextEscalationAt,
        escalations: [...alert.escalations, { step: entry.payload.step, level: entry.payload.level, at: entry.ts }],
        updatedSeq: entry.seq,
      };
    case 'alert.acknowledged':
      if (entry.payload.alertId !== alert.alertId) return alert;
      return { ...alert, state: 'acknowledged', acknowledgedAt: entry.ts, acknowledgedBy: entry.actor, nextEscalationAt: null, updatedSeq: entry.seq };
    case 'alert.resolved':
      if (entry.payload.alertId !== alert.alertId) return alert;
      return {
        ...alert,
        state: 'resolved',
        resolvedAt: entry.ts,
        resolvedBy: entry.actor,
        ...(entry.payload.text !== undefined ? { resolution: entry.payload.text } : {}),
        nextEscalationAt: null,
        updatedSeq: entry.seq,
      };
    case 'alert.cancelled':
      if (entry.payload.alertId !== alert.alertId) return alert;
      return { ...alert, state: 'cancelled', cancelledAt: entry.ts, cancelledBy: entry.actor, nextEscalationAt: null, updatedSeq: entry.seq };
    default:
      return alert;
  }
}
