import { z } from 'zod';
import { AlertId, AlertKind, ClientId, Hash, KeyId, LinkId, Location, Precedence, Seq, Sig, Timestamp } from './scalars.js';
import { Id, Role, Severity } from './topology.js';

/**
 * Link-log entries: one schema per entry type, their payloads, and the draft a service hands the store
 * before it assigns seq, ts and hashes. docs/protocol.md describes each in prose.
 */

export const Actor = z.object({
  userId: Id,
  /** "system" for entries the server writes itself (escalations, line checks). */
  role: z.union([Role, z.literal('system')]),
  /** The post the action was taken for: the operator's own post, or the post a commander acts for. */
  postId: Id.nullable(),
});
export type Actor = z.infer<typeof Actor>;

export const MessagePayload = z.object({
  clientMsgId: ClientId,
  text: z.string(),
  precedence: Precedence,
});

export const ReceiptPayload = z.object({
  /** delivered: reached a console of the post; read: seen by an operator of the post; ack: a flash or
   * immediate message acknowledged by the counterpart (uptoSeq is that message). */
  kind: z.enum(['delivered', 'read', 'ack']),
  /** The post whose consoles delivered or read. */
  postId: Id,
  uptoSeq: Seq,
  /** The hash of the entry at uptoSeq, so what was received can never be disputed. */
  uptoHash: Hash,
});

export const MessageEscalatedPayload = z.object({
  /** The message deadline escalated: MSG-<linkId>-<seq>. */
  deadlineId: z.string(),
  messageSeq: Seq,
  step: z.number().int().min(1),
  level: z.number().int().min(1),
  repeat: z.boolean(),
  dueAt: Timestamp,
  targets: z.array(Id),
  targetKinds: z.array(z.string()),
  nextEscalationAt: Timestamp.nullable(),
});

export const LineCheckStartedPayload = z.object({
  checkId: z.string(),
  /** The scheduled time this check is for. */
  slotAt: Timestamp,
  /** Started after its time (the service was down): one check stands for all the times missed. */
  late: z.boolean(),
  /** Scheduled times that passed without a check (during an outage), not counting this one. */
  missedSlots: z.number().int().min(0),
  windowEndsAt: Timestamp,
  posts: z.array(Id),
});

export const LineCheckAnsweredPayload = z.object({
  checkId: z.string(),
  postId: Id,
  /** The hash of the linecheck.started entry answered. */
  quotedHash: Hash,
});

export const LineCheckClosedPayload = z.object({
  checkId: z.string(),
  answered: z.array(Id),
  missed: z.array(Id),
  /** The line-fault alert raised for the posts that did not answer. */
  alertId: z.string().nullable(),
});

export const AlertRaisedPayload = z.object({
  alertId: AlertId,
  clientAlertId: ClientId,
  kind: AlertKind,
  severity: Severity,
  description: z.string(),
  location: Location.optional(),
  occurredAt: Timestamp.optional(),
  policyId: Id,
  /** Whether a console of the counterpart post was online at the raise (for a line fault: when the check closed). */
  counterpartOnline: z.boolean(),
  /** When the first escalation is due, or null if the policy never escalates. */
  nextEscalationAt: Timestamp.nullable(),
  /** Line-fault alerts: the unanswered line check. */
  lineCheckId: z.string().optional(),
});

/** An acknowledgement that came through a gateway reply rather than a console (unsigned). */
export const GatewayAckVia = z.strictObject({
  channel: z.literal('gateway'),
  /** The gateway's id in the topology. */
  gateway: z.string().min(1).max(63),
  /** The gateway's id of the reply message. */
  messageId: z.string().min(1).max(200),
  /** The code the reply quoted. */
  code: z.string().min(1).max(16),
});
export type GatewayAckVia = z.infer<typeof GatewayAckVia>;

/**
 * An acknowledgement made from a push notification's Acknowledge action: signed by the device's own
 * key like one made in the console; `via` only says where the person pressed it.
 */
export const PushAckVia = z.strictObject({ channel: z.literal('push') });
export type PushAckVia = z.infer<typeof PushAckVia>;

/** Where an acknowledgement made outside the console came through. */
export const AckVia = z.discriminatedUnion('channel', [GatewayAckVia, PushAckVia]);
export type AckVia = z.infer<typeof AckVia>;

export const AlertTransitionPayload = z.object({
  alertId: AlertId,
  /** Free text: an acknowledgement note, a comment, a resolution, or a reason for cancelling. */
  text: z.string().optional(),
  /** Acknowledgements: the hash of the alert.raised entry acknowledged. */
  quotedHash: Hash.optional(),
  /** Comments: their idempotency key. */
  clientCommentId: ClientId.optional(),
  /** Acknowledgements made outside the console: the gateway and reply they came through (then unsigned), or a push notification (signed). */
  via: AckVia.optional(),
});

export const KeyRegisteredPayload = z.object({
  keyId: KeyId,
  alg: z.literal('ES256'),
  /** base64url SPKI of the ECDSA P-256 public key */
  publicKey: z.string(),
  /** The key signs for its user from validFrom to validUntil (ms since the epoch). */
  validFrom: Timestamp,
  validUntil: Timestamp,
});

/**
 * The deployment's signature policy, written by the server into a link's log before the first entry
 * appended under a policy other than the one the log last recorded (a log that records none is under
 * "required"). A verifier knows from it which user actions had to be signed.
 */
export const SignaturePolicyPayload = z.object({
  signatures: z.enum(['required', 'optional']),
});

export const AlertEscalatedPayload = z.object({
  alertId: AlertId,
  /** 1, 2, 3 ... counting every escalation of the alert, repeats included. */
  step: z.number().int().min(1),
  /** The policy level (1-based) whose targets were notified; repeats reuse the last level. */
  level: z.number().int().min(1),
  repeat: z.boolean(),
  /** When this step was due. */
  dueAt: Timestamp,
  /** The user ids notified. */
  targets: z.array(Id),
  targetKinds: z.array(z.string()),
  reason: z.enum(['timeout', 'counterpart-offline']),
  nextEscalationAt: Timestamp.nullable(),
});

export const KeyRevokedPayload = z.object({
  keyId: KeyId,
  /** From this time on (ms since the epoch) nothing signed by the key is valid. */
  revokedAt: Timestamp,
  /** Why: the session of the device was revoked, its user disabled, or the user logged out everywhere. */
  reason: z.enum(['session-revoked', 'user-disabled', 'logout']),
  /** Who revoked it (an admin, or the user themselves). */
  by: Id,
});

/** An entry of the administration log: one change of the live configuration. */
export const ConfigChangedPayload = z.object({
  /** The configuration version this change produced (the one before it is version - 1). */
  version: z.number().int().min(1),
  /** The section changed ("users", "links", ...), or "*" for a seed or an import of a whole file. */
  section: z.string().min(1).max(64),
  op: z.enum(['seed', 'import', 'put', 'remove', 'replace']),
  /** The item changed, for sections that are lists of items with ids. */
  itemId: Id.nullable(),
  /** The new value (password hashes removed), or null for a removal. */
  value: z.unknown(),
  /** SHA-256 (hex) of the canonical JSON of `value`: what the admin signed. */
  valueHash: Hash,
  /** SHA-256 (hex) of the canonical JSON of the whole configuration after the change, hashes included. */
  configHash: Hash,
});

/** A shift handover at a post: who hands over to whom, with a short note. */
export const DutyHandoverPayload = z.object({
  postId: Id,
  /** The operator going off duty (null when the post was unmanned). */
  from: Id.nullable(),
  /** The operator taking over. */
  to: Id,
  note: z.string().max(500),
});

const entryBase = {
  linkId: LinkId,
  seq: Seq,
  /** Server time of the append, ms since the epoch; never earlier than the previous entry's. */
  ts: Timestamp,
  actor: Actor,
  /** Exercise traffic: shown as EXERCISE everywhere, never as a real incident. */
  drill: z.boolean(),
  prevHash: Hash,
  hash: Hash,
  /** The acting client's signature of the action (see shared/src/signing.ts); absent on server entries. */
  sig: Sig.optional(),
};

export const Entry = z.discriminatedUnion('type', [
  z.object({ ...entryBase, type: z.literal('message'), payload: MessagePayload }),
  z.object({ ...entryBase, type: z.literal('receipt'), payload: ReceiptPayload }),
  z.object({ ...entryBase, type: z.literal('alert.raised'), payload: AlertRaisedPayload }),
  z.object({ ...entryBase, type: z.literal('alert.acknowledged'), payload: AlertTransitionPayload }),
  z.object({ ...entryBase, type: z.literal('alert.commented'), payload: AlertTransitionPayload }),
  z.object({ ...entryBase, type: z.literal('alert.resolved'), payload: AlertTransitionPayload }),
  z.object({ ...entryBase, type: z.literal('alert.cancelled'), payload: AlertTransitionPayload }),
  z.object({ ...entryBase, type: z.literal('alert.escalated'), payload: AlertEscalatedPayload }),
  z.object({ ...entryBase, type: z.literal('key.registered'), payload: KeyRegisteredPayload }),
  z.object({ ...entryBase, type: z.literal('message.escalated'), payload: MessageEscalatedPayload }),
  z.object({ ...entryBase, type: z.literal('linecheck.started'), payload: LineCheckStartedPayload }),
  z.object({ ...entryBase, type: z.literal('linecheck.answered'), payload: LineCheckAnsweredPayload }),
  z.object({ ...entryBase, type: z.literal('linecheck.closed'), payload: LineCheckClosedPayload }),
  z.object({ ...entryBase, type: z.literal('signature.policy'), payload: SignaturePolicyPayload }),
  z.object({ ...entryBase, type: z.literal('key.revoked'), payload: KeyRevokedPayload }),
  z.object({ ...entryBase, type: z.literal('config.changed'), payload: ConfigChangedPayload }),
  z.object({ ...entryBase, type: z.literal('duty.handover'), payload: DutyHandoverPayload }),
]);
export type Entry = z.infer<typeof Entry>;
export type EntryType = Entry['type'];
export type EntryOf<T extends EntryType> = Extract<Entry, { type: T }>;

/** An entry before the store assigns seq, ts, prevHash and hash. */
export type EntryDraft = Entry extends infer E
  ? E extends Entry
    ? Omit<E, 'seq' | 'ts' | 'prevHash' | 'hash'>
    : never
  : never;
