import { z } from 'zod';
import type { WireError } from './errors.js';
import { Id, LatLon, Role, Severity } from './topology.js';

/**
 * The wire contract: one zod schema per payload, used by the server to validate what arrives and by the
 * client SDK for its types. docs/protocol.md describes each event in prose.
 */

// ---------------------------------------------------------------------------------------------------
// Signatures and checkpoints (see signing.ts)
// ---------------------------------------------------------------------------------------------------

/** keyId: the first 16 bytes of SHA-256 over the SPKI public key, in hex. */
export const KeyId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters');

export const Sig = z.strictObject({
  keyId: KeyId,
  /** base64url of the 64-byte r||s signature */
  value: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/, 'must be a base64url ECDSA P-256 signature'),
});
export type Sig = z.infer<typeof Sig>;

/** A server checkpoint: the server's signature over the head of a link log at a moment. */
export const Checkpoint = z.object({
  linkId: z.string(),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  ts: z.number().int(),
  keyId: KeyId,
  /** base64url ECDSA P-256 signature over checkpointInput(...) by the server key */
  sig: z.string(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

// ---------------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------------

export const LIMITS = {
  /** Unicode code points in a hotline message. */
  MESSAGE_TEXT_MAX: 4000,
  /** Unicode code points in an alert description, comment or resolution. */
  ALERT_TEXT_MAX: 2000,
  /** Entries in one page of a sync. */
  SYNC_PAGE_MAX: 1000,
  SYNC_PAGE_DEFAULT: 500,
  /** Links in one sync request. */
  SYNC_LINKS_MAX: 500,
} as const;

// ---------------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------------

export const LinkId = Id;
/** A client-generated id for a message or alert (a UUID or similar): the idempotency key of a send. */
export const ClientId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be 8-64 characters of A-Z, a-z, 0-9, "_" and "-"');
export const Seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export const Cursor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
/** Milliseconds since the epoch. */
export const Timestamp = z.number().int().min(0).max(8_640_000_000_000_000);

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text in any script. Stored and returned exactly as sent; lone surrogates (not Unicode) are refused. */
export function text(max: number) {
  return z
    .string()
    .max(max * 2, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode')
    .refine((s) => codePoints(s) <= max, `must be at most ${max} characters`);
}

export const Precedence = z.enum(['routine', 'priority', 'immediate', 'flash']);
export type Precedence = z.infer<typeof Precedence>;

export const AlertKind = z.enum([
  'small-arms-fire',
  'artillery-mortar',
  'drone',
  'border-crossing',
  'explosion',
  'line-fault',
  'other',
]);
export type AlertKind = z.infer<typeof AlertKind>;

export const AlertState = z.enum(['open', 'acknowledged', 'resolved', 'cancelled']);
export type AlertState = z.infer<typeof AlertState>;

export const Location = LatLon.extend({ label: z.string().max(200).optional() });
export type Location = z.infer<typeof Location>;

/** `AL-<linkId>-<seq of the alert.raised entry>`; the link can be read back from the id. */
export const AlertId = z.string().regex(/^AL-[a-z0-9][a-z0-9-]{0,62}-[1-9]\d{0,15}$/, 'must be an alert id');

export function makeAlertId(linkId: string, seq: number): string {
  return `AL-${linkId}-${seq}`;
}

export function parseAlertId(alertId: string): { linkId: string; seq: number } | null {
  const m = /^AL-([a-z0-9][a-z0-9-]{0,62})-([1-9]\d{0,15})$/.exec(alertId);
  return m ? { linkId: m[1]!, seq: Number(m[2]) } : null;
}

// ---------------------------------------------------------------------------------------------------
// Link-log entries
// ---------------------------------------------------------------------------------------------------

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
  /** The counterpart post had nobody online at the raise. */
  counterpartOnline: z.boolean(),
  /** When the first escalation is due, or null if the policy never escalates. */
  nextEscalationAt: Timestamp.nullable(),
  /** Line-fault alerts: the unanswered line check. */
  lineCheckId: z.string().optional(),
});

export const AlertTransitionPayload = z.object({
  alertId: AlertId,
  /** Free text: an acknowledgement note, a comment, a resolution, or a reason for cancelling. */
  text: z.string().optional(),
  /** Acknowledgements: the hash of the alert.raised entry acknowledged. */
  quotedHash: Hash.optional(),
  /** Comments: their idempotency key. */
  clientCommentId: ClientId.optional(),
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

// ---------------------------------------------------------------------------------------------------
// Alerts (the projection kept beside the log)
// ---------------------------------------------------------------------------------------------------

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
  /** MSG-<linkId>-<seq> */
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

export function makeDeadlineId(linkId: string, seq: number): string {
  return `MSG-${linkId}-${seq}`;
}

/** A scheduled line check (projection). */
export const LineCheck = z.object({
  /** LC-<linkId>-<slot ms> */
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

// ---------------------------------------------------------------------------------------------------
// Client-to-server payloads
// ---------------------------------------------------------------------------------------------------

export const HotlineSendRequest = z.strictObject({
  linkId: LinkId,
  clientMsgId: ClientId,
  text: text(LIMITS.MESSAGE_TEXT_MAX),
  precedence: Precedence.default('routine'),
  drill: z.boolean().default(false),
  sig: Sig.optional(),
});
export type HotlineSendRequest = z.input<typeof HotlineSendRequest>;

export const HotlineReceiptRequest = z.strictObject({
  linkId: LinkId,
  uptoSeq: Seq,
  /** The hash of the entry at uptoSeq as the client holds it; must match the log. */
  uptoHash: Hash.optional(),
  sig: Sig.optional(),
});
export type HotlineReceiptRequest = z.input<typeof HotlineReceiptRequest>;

export const SyncRequest = z.strictObject({
  /** Last seq held per link (0: nothing yet). Only these links are synced. */
  cursors: z.record(LinkId, Cursor).refine((c) => Object.keys(c).length <= LIMITS.SYNC_LINKS_MAX, {
    message: `at most ${LIMITS.SYNC_LINKS_MAX} links per sync`,
  }),
  limit: z.number().int().min(1).max(LIMITS.SYNC_PAGE_MAX).default(LIMITS.SYNC_PAGE_DEFAULT),
});
export type SyncRequest = z.input<typeof SyncRequest>;

export const AlertRaiseRequest = z.strictObject({
  linkId: LinkId,
  clientAlertId: ClientId,
  kind: AlertKind.exclude(['line-fault']),
  severity: Severity,
  description: text(LIMITS.ALERT_TEXT_MAX),
  location: Location.optional(),
  occurredAt: Timestamp.optional(),
  drill: z.boolean().default(false),
  sig: Sig.optional(),
});
export type AlertRaiseRequest = z.input<typeof AlertRaiseRequest>;

export const AlertActionRequest = z.strictObject({
  alertId: AlertId,
  text: text(LIMITS.ALERT_TEXT_MAX).optional(),
  /** Acknowledgements: the hash of the alert.raised entry, as the client holds it. */
  quotedHash: Hash.optional(),
  sig: Sig.optional(),
});
export type AlertActionRequest = z.input<typeof AlertActionRequest>;

export const AlertCommentRequest = z.strictObject({
  alertId: AlertId,
  /** Idempotency key of the comment. */
  clientCommentId: ClientId,
  text: text(LIMITS.ALERT_TEXT_MAX),
  sig: Sig.optional(),
});
export type AlertCommentRequest = z.input<typeof AlertCommentRequest>;

export const AlertResolveRequest = z.strictObject({
  alertId: AlertId,
  text: text(LIMITS.ALERT_TEXT_MAX),
  sig: Sig.optional(),
});

export const HotlineAckRequest = z.strictObject({
  linkId: LinkId,
  /** The flash or immediate message acknowledged. */
  seq: Seq,
  /** Its hash, as the client holds it. */
  quotedHash: Hash.optional(),
  sig: Sig.optional(),
});
export type HotlineAckRequest = z.input<typeof HotlineAckRequest>;

export const LineCheckAnswerRequest = z.strictObject({
  linkId: LinkId,
  checkId: z.string().max(120),
  /** The hash of the linecheck.started entry, as the client holds it. */
  quotedHash: Hash.optional(),
  sig: Sig.optional(),
});
export type LineCheckAnswerRequest = z.input<typeof LineCheckAnswerRequest>;

export const KeyRegisterRequest = z.strictObject({
  /** base64url SPKI of an ECDSA P-256 public key */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{80,200}$/, 'must be a base64url SPKI public key'),
  /** Until when the key signs (at most the token's expiry). */
  validUntil: Timestamp,
  /** Proof of possession: the key's own signature of the registration. */
  sig: Sig,
});
export type KeyRegisterRequest = z.input<typeof KeyRegisterRequest>;
export type AlertResolveRequest = z.input<typeof AlertResolveRequest>;

export const InboxReadRequest = z.strictObject({
  /** Marks every escalation up to this inbox position as read. */
  uptoPosition: z.number().int().min(0),
});
export type InboxReadRequest = z.input<typeof InboxReadRequest>;

// ---------------------------------------------------------------------------------------------------
// Server-to-client payloads
// ---------------------------------------------------------------------------------------------------

export const LinkHead = z.object({ seq: Cursor, hash: Hash });
export type LinkHead = z.infer<typeof LinkHead>;

export const Presence = z.object({
  postId: Id,
  online: z.boolean(),
  /** When the post last changed state (ms since the epoch). */
  since: Timestamp,
});
export type Presence = z.infer<typeof Presence>;

export const Escalation = z.object({
  /** Position in the recipient's inbox (1, 2, 3 ...). */
  position: z.number().int().min(1),
  /** What escalated: an incident alert, or a flash/immediate message nobody acknowledged in time. */
  subject: z.enum(['alert', 'message']),
  /** The alert id, or the message deadline id (MSG-<linkId>-<seq>). */
  id: z.string(),
  linkId: LinkId,
  step: z.number().int().min(1),
  level: z.number().int().min(1),
  drill: z.boolean(),
  /** seq of the alert.escalated / message.escalated entry in the link log. */
  entrySeq: Seq,
  at: Timestamp,
  /** Alerts: the alert id and the alert as it was when it escalated. */
  alertId: AlertId.optional(),
  alert: Alert.optional(),
  /** Messages: the deadline as it was when it escalated. */
  message: MessageDeadline.optional(),
});
export type Escalation = z.infer<typeof Escalation>;

// ---------------------------------------------------------------------------------------------------
// Acks and event maps
// ---------------------------------------------------------------------------------------------------

export type AckFailure = { ok: false; error: WireError };
export type Ack<T extends object = object> = ({ ok: true } & T) | AckFailure;
export type AckFn<T extends object = object> = (ack: Ack<T>) => void;

export interface SendResult {
  entry: Entry;
  /** true when this was a retry and the stored entry is returned. */
  duplicate: boolean;
}
export interface ReceiptResult {
  /** The receipt entry written, or null when the post's cursor was already at or past uptoSeq. */
  entry: Entry | null;
  uptoSeq: number;
}
export interface SyncResult {
  entries: Entry[];
  /** More entries remain after this page for at least one link: call again with the new cursors. */
  hasMore: boolean;
  heads: Record<string, LinkHead>;
  /** The latest server checkpoint of each link that has one. */
  checkpoints: Record<string, Checkpoint>;
}
export interface KeyRegisterResult {
  keyId: string;
  validFrom: number;
  validUntil: number;
}
export interface AlertResult {
  alert: Alert;
  /** The entry written, or null when the request changed nothing (a repeat). */
  entry: Entry | null;
}
export interface MessageAckResult {
  /** The ack receipt written, or null when the message was already acknowledged. */
  entry: Entry | null;
  deadline: MessageDeadline;
}
export interface LineCheckAnswerResult {
  entry: Entry | null;
  check: LineCheck;
}
export interface InboxResult {
  escalations: Escalation[];
  unread: number;
  readUpto: number;
}

/** Socket.IO client-to-server events. Every one takes an ack. */
export interface ClientToServerEvents {
  'hotline:send': (req: HotlineSendRequest, ack: AckFn<SendResult>) => void;
  'hotline:read': (req: HotlineReceiptRequest, ack: AckFn<ReceiptResult>) => void;
  'hotline:delivered': (req: HotlineReceiptRequest, ack: AckFn<ReceiptResult>) => void;
  sync: (req: SyncRequest, ack: AckFn<SyncResult>) => void;
  'alert:raise': (req: AlertRaiseRequest, ack: AckFn<AlertResult>) => void;
  'alert:ack': (req: AlertActionRequest, ack: AckFn<AlertResult>) => void;
  'alert:comment': (req: AlertCommentRequest, ack: AckFn<AlertResult>) => void;
  'alert:resolve': (req: AlertResolveRequest, ack: AckFn<AlertResult>) => void;
  'alert:cancel': (req: AlertActionRequest, ack: AckFn<AlertResult>) => void;
  'inbox:read': (req: InboxReadRequest, ack: AckFn<InboxResult>) => void;
  'key:register': (req: KeyRegisterRequest, ack: AckFn<KeyRegisterResult>) => void;
  'hotline:ack': (req: HotlineAckRequest, ack: AckFn<MessageAckResult>) => void;
  'linecheck:answer': (req: LineCheckAnswerRequest, ack: AckFn<LineCheckAnswerResult>) => void;
}

/** Socket.IO server-to-client events. */
export interface ServerToClientEvents {
  /** A new link-log entry. At least once; the SDK drops what it already holds by seq. */
  entry: (entry: Entry) => void;
  /** An escalation that reached this user. */
  escalation: (escalation: Escalation) => void;
  /** A post came online or went offline; sent for every post whose links the user may read. */
  presence: (presence: Presence) => void;
  /** The server signed the head of a link the user may read. */
  checkpoint: (checkpoint: Checkpoint) => void;
}

/** Names of the client-to-server events, for validation tables and tests. */
export const CLIENT_EVENTS = [
  'hotline:send',
  'hotline:read',
  'hotline:delivered',
  'sync',
  'alert:raise',
  'alert:ack',
  'alert:comment',
  'alert:resolve',
  'alert:cancel',
  'inbox:read',
  'key:register',
  'hotline:ack',
  'linecheck:answer',
] as const satisfies readonly (keyof ClientToServerEvents)[];

/** The schema of each client-to-server payload: the server validates with these, the SDK types with them. */
export const CLIENT_EVENT_SCHEMAS = {
  'hotline:send': HotlineSendRequest,
  'hotline:read': HotlineReceiptRequest,
  'hotline:delivered': HotlineReceiptRequest,
  sync: SyncRequest,
  'alert:raise': AlertRaiseRequest,
  'alert:ack': AlertActionRequest,
  'alert:comment': AlertCommentRequest,
  'alert:resolve': AlertResolveRequest,
  'alert:cancel': AlertActionRequest,
  'inbox:read': InboxReadRequest,
  'key:register': KeyRegisterRequest,
  'hotline:ack': HotlineAckRequest,
  'linecheck:answer': LineCheckAnswerRequest,
} as const satisfies Record<(typeof CLIENT_EVENTS)[number], z.ZodType>;

// ---------------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------------

export const LoginRequest = z.strictObject({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(200),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
  side: string | null;
  post: string | null;
  supervisor: boolean;
  sectors: string[];
  joint: boolean;
  drillOfficer: boolean;
}

export interface LoginResponse {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
  user: SessionUser;
}

export const AlertQuery = z.strictObject({
  state: AlertState.optional(),
  link: LinkId.optional(),
  sector: Id.optional(),
  since: z.coerce.number().int().min(0).optional(),
  drill: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
