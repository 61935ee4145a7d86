import { z } from 'zod';
import { AlertId, AlertKind, AlertState, ClientId, Cursor, Hash, LinkId, Location, Precedence, Seq, Sig, Timestamp, text } from './scalars.js';
import { LIMITS } from './text.js';
import { Id, Role, Severity } from './topology.js';

/**
 * What clients send: the payload of each client-to-server event (validated by the server with these
 * schemas, see CLIENT_EVENT_SCHEMAS in events.ts) and the bodies and queries of the HTTP API.
 */

export const HotlineSendRequest = z.strictObject({
  linkId: LinkId,
  clientMsgId: ClientId,
  text: text(LIMITS.MESSAGE_TEXT_MAX),
  precedence: Precedence.default('routine'),
  drill: z.boolean().default(false),
  sig: Sig.optional(),
  /**
   * What the ack carries: the stored entry (the default), or only its seal (seq, ts, prevHash, hash) for
   * a client that rebuilds the rest from what it sent and checks it against the hash: a few hundred
   * bytes less per message on a slow link. A retry answered from the record always carries the entry.
   * Not signed: it changes nothing on the record.
   */
  reply: z.enum(['entry', 'seal']).optional(),
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

/** One acknowledgement from a notification: the alert, the hash quoted, and the device's signature over the alert:ack signing input. */
export const PushAckItem = z.strictObject({
  alertId: AlertId,
  quotedHash: Hash,
  sig: Sig,
});

/** POST /api/alerts/ack-from-push: the grant the push carried and the signed acknowledgements. No bearer token. */
export const AckFromPushRequest = z.strictObject({
  grant: z.string().min(1).max(4096),
  acks: z.array(PushAckItem).min(1).max(50),
});
export type AckFromPushRequest = z.input<typeof AckFromPushRequest>;

/** The answer to an acknowledgement from a notification. */
export interface AckFromPushResult {
  ok: true;
  userId: string;
  acknowledged: { alertId: string; state: string; entrySeq: number | null }[];
}

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

/** A side's countersignature of the server checkpoint of `linkId` at `seq` (docs/record.md §7.6). */
export const CheckpointCosignRequest = z.strictObject({
  linkId: LinkId,
  seq: Seq,
  /** The hash the cosigner holds for the entry at seq: must be the checkpoint's. */
  hash: Hash,
  /** The cosigner's own side. */
  side: Id,
  /** Signature by the caller's registered key over cosignInput (signed fields: linkId, seq, hash, side). */
  sig: Sig,
});
export type CheckpointCosignRequest = z.input<typeof CheckpointCosignRequest>;

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
// HTTP
// ---------------------------------------------------------------------------------------------------

export const LoginRequest = z.strictObject({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(200),
  /** Answer with the boot data too (`LoginBootResponse`): the console's first start in one round trip. */
  boot: z.boolean().optional(),
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
