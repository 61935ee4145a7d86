import { z } from 'zod';
import { Actor } from './entries.js';
import { AlertId, AlertKind, AlertState, Hash, LinkId, Location, Precedence, Seq, Timestamp } from './scalars.js';
import { Id, Severity } from './topology.js';

/**
 * The projections kept beside each link log (alerts, message deadlines, line checks): written in the same
 * atomic step as the entries they fold, read back by the server and sent to clients.
 */

export const Alert = z.object({
  alertId: AlertId,
  linkId: LinkId,
  raisedSeq: Seq,
  raisedBy: Actor,
  raisedAt: Timestamp,
  /** hash of the alert.raised entry, which acknowledgements quote */
  raisedHash: Hash,
  /** The post that raised it; the counterpart is the other end of the link. */
  raiserPostId: Id,
  counterpartPostId: Id,
  kind: AlertKind,
  severity: Severity,
  description: z.string(),
  location: Location.optional(),
  occurredAt: Timestamp.optional(),
  drill: z.boolean(),
  policyId: Id,
  /** Whether a console of the counterpart post was online at the raise. */
  counterpartOnline: z.boolean(),
  state: AlertState,
  /** Escalation steps fired so far (0: none). */
  step: z.number().int().min(0),
  /** Each escalation fired: its step, policy level and time. */
  escalations: z.array(z.object({ step: z.number().int().min(1), level: z.number().int().min(1), at: Timestamp })),
  nextEscalationAt: Timestamp.nullable(),
  acknowledgedAt: Timestamp.optional(),
  acknowledgedBy: Actor.optional(),
  resolvedAt: Timestamp.optional(),
  resolvedBy: Actor.optional(),
  resolution: z.string().optional(),
  cancelledAt: Timestamp.optional(),
  cancelledBy: Actor.optional(),
  /** seq of the last entry that changed this alert. */
  updatedSeq: Seq,
});
export type Alert = z.infer<typeof Alert>;

/** A flash or immediate message waiting for the counterpart's acknowledgement (projection). */
export const MessageDeadline = z.object({
  /** MSG-<linkId>-<seq> (makeDeadlineId) */
  id: z.string(),
  linkId: LinkId,
  seq: Seq,
  hash: Hash,
  precedence: Precedence,
  sentAt: Timestamp,
  sentBy: Actor,
  senderPostId: Id,
  counterpartPostId: Id,
  drill: z.boolean(),
  /** The first 200 characters, for escalation notices. */
  excerpt: z.string(),
  policyId: Id,
  deadlineAt: Timestamp,
  state: z.enum(['awaiting', 'acknowledged']),
  step: z.number().int().min(0),
  nextEscalationAt: Timestamp.nullable(),
  escalations: z.array(z.object({ step: z.number().int().min(1), level: z.number().int().min(1), at: Timestamp })),
  acknowledgedAt: Timestamp.optional(),
  acknowledgedBy: Actor.optional(),
  ackSeq: Seq.optional(),
  updatedSeq: Seq,
});
export type MessageDeadline = z.infer<typeof MessageDeadline>;

/** A scheduled line check (projection). */
export const LineCheck = z.object({
  /** LC-<linkId>-<slot ms> (makeLineCheckId) */
  checkId: z.string(),
  linkId: LinkId,
  startedSeq: Seq,
  startedHash: Hash,
  slotAt: Timestamp,
  startedAt: Timestamp,
  windowEndsAt: Timestamp,
  late: z.boolean(),
  missedSlots: z.number().int().min(0),
  posts: z.array(Id),
  /** Who answered for each post, when, and the seq of the answer. */
  answers: z.record(z.string(), z.object({ at: Timestamp, userId: Id, seq: Seq })),
  state: z.enum(['open', 'closed']),
  missed: z.array(Id),
  alertId: z.string().nullable(),
});
export type LineCheck = z.infer<typeof LineCheck>;
