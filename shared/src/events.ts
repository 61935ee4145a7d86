import { z } from 'zod';
import type { WireError } from './errors.js';
import type { Entry } from './entries.js';
import { Alert, MessageDeadline, type LineCheck } from './projections.js';
import {
  AlertActionRequest,
  AlertCommentRequest,
  AlertRaiseRequest,
  AlertResolveRequest,
  CheckpointCosignRequest,
  HotlineAckRequest,
  HotlineReceiptRequest,
  HotlineSendRequest,
  InboxReadRequest,
  KeyRegisterRequest,
  LineCheckAnswerRequest,
  SyncRequest,
} from './requests.js';
import { AlertId, Cursor, Hash, KeyId, LinkId, Seq, Sig, Timestamp } from './scalars.js';
import { Id } from './topology.js';

/**
 * The Socket.IO contract: what the server pushes (entries, escalations, presence, checkpoints), the
 * result of each client event inside its ack, and the ClientToServerEvents / ServerToClientEvents maps
 * that both the server and the client SDK pass to Socket.IO's generics.
 */

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

/** A side's countersignature of a checkpoint (shared/src/cosign.ts, docs/record.md §7.6). */
export const Cosignature = z.object({
  linkId: LinkId,
  seq: Seq,
  hash: Hash,
  side: Id,
  userId: z.string(),
  ts: Timestamp,
  key: z.object({ keyId: KeyId, publicKey: z.string(), validFrom: Timestamp, validUntil: Timestamp }),
  sig: Sig,
});
export type Cosignature = z.infer<typeof Cosignature>;

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
  /**
   * The operators of the post with a console connected now (user ids, sorted; drill sessions not
   * counted). Announced again whenever this set changes, even while the post stays online.
   */
  operators: z.array(Id).optional(),
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

/** Where an appended entry went in its log: all of it that its sender does not know already. */
export interface EntrySeal {
  seq: number;
  ts: number;
  prevHash: string;
  hash: string;
}

/** The ack of a hotline:send with `reply: 'seal'` that appended: the client rebuilds the entry (see HotlineSendRequest.reply). */
export interface SealedSendResult {
  seal: EntrySeal;
  duplicate: false;
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
export interface CosignResult {
  /** The side's cosignature kept for the checkpoint: this one, or the one kept before (duplicate). */
  cosignature: Cosignature;
  /** true when the side had already cosigned this checkpoint; nothing was written. */
  duplicate: boolean;
}
export interface InboxResult {
  escalations: Escalation[];
  unread: number;
  readUpto: number;
}

/** Socket.IO client-to-server events. Every one takes an ack. */
export interface ClientToServerEvents {
  'hotline:send': (req: HotlineSendRequest, ack: AckFn<SendResult | SealedSendResult>) => void;
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
  'checkpoint:cosign': (req: CheckpointCosignRequest, ack: AckFn<CosignResult>) => void;
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
  'checkpoint:cosign',
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
  'checkpoint:cosign': CheckpointCosignRequest,
} as const satisfies { readonly [E in keyof ClientToServerEvents]: z.ZodType<unknown, Parameters<ClientToServerEvents[E]>[0]> };

/** A client-to-server event name. */
export type ClientEvent = keyof ClientToServerEvents;

/** What the ack of a client event carries besides `ok: true`. */
export type ClientEventResult<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[1] extends AckFn<infer R> ? R : never;

/** The payload of a client event as the server holds it once its schema has parsed it (defaults filled in). */
export type ClientEventPayload<E extends ClientEvent> = z.output<(typeof CLIENT_EVENT_SCHEMAS)[E]>;
