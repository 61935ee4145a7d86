import { canonicalize } from './canonical.js';

// The zod schemas of signatures and checkpoints live in scalars.ts and events.ts with the other wire
// shapes; this module stays free of zod (core.ts) so the browser console does not carry it.

/**
 * Signed actions. Every message, receipt and alert action a client sends carries `sig`: the client's
 * own ECDSA P-256 signature (WebCrypto "ECDSA"/"SHA-256", IEEE P1363 r||s, base64url) over the
 * canonical JSON of the action below. The server checks it and stores it in the entry; a verifier
 * rebuilds the same action from the entry and checks it against the key the user had registered at
 * that time. Neither side, nor the host, can then put words in a user's mouth.
 */

/** The fields of each signed action, in the request and (rebuilt) in the entry. */
export const SIGNED_FIELDS = {
  'key:register': ['keyId', 'publicKey', 'validUntil'],
  'hotline:send': ['linkId', 'clientMsgId', 'text', 'precedence', 'drill'],
  'hotline:delivered': ['linkId', 'uptoSeq', 'uptoHash'],
  'hotline:read': ['linkId', 'uptoSeq', 'uptoHash'],
  'hotline:ack': ['linkId', 'seq', 'quotedHash'],
  'alert:raise': ['linkId', 'clientAlertId', 'kind', 'severity', 'description', 'location', 'occurredAt', 'drill'],
  'alert:ack': ['alertId', 'quotedHash', 'text'],
  'alert:comment': ['alertId', 'clientCommentId', 'text'],
  'alert:resolve': ['alertId', 'text'],
  'alert:cancel': ['alertId', 'text'],
  'linecheck:answer': ['linkId', 'checkId', 'quotedHash'],
  'checkpoint:cosign': ['linkId', 'seq', 'hash', 'side'],
  'config:change': ['baseVersion', 'section', 'op', 'itemId', 'valueHash'],
  'duty:handover': ['linkId', 'postId', 'to', 'note'],
} as const;

export type SignedAct = keyof typeof SIGNED_FIELDS;

/**
 * The defaults the server's schemas fill in for omitted fields of signed actions. A client signs the
 * action as the server will see it, so it applies these first (a unit test keeps them equal to the
 * schemas' defaults).
 */
export const SIGNED_DEFAULTS: Partial<Record<SignedAct, Record<string, unknown>>> = {
  'hotline:send': { precedence: 'routine', drill: false },
  'alert:raise': { drill: false },
  'duty:handover': { note: '' },
};

/** The fields of an action with the schema defaults filled in. */
export function withSignedDefaults(act: SignedAct, fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields };
  for (const [k, v] of Object.entries(SIGNED_DEFAULTS[act] ?? {})) if (out[k] === undefined) out[k] = v;
  return out;
}

export function isSignedAct(event: string): event is SignedAct {
  return Object.hasOwn(SIGNED_FIELDS, event);
}

/** The exact string a client signs for an action and a verifier checks. */
export function signingInput(act: SignedAct, userId: string, fields: Record<string, unknown>): string {
  const picked: Record<string, unknown> = { v: 1, act, userId };
  for (const f of SIGNED_FIELDS[act]) if (fields[f] !== undefined) picked[f] = fields[f];
  return canonicalize(picked);
}

/**
 * The action behind a signed entry, rebuilt from the entry alone, or null for entries the server writes
 * itself (escalations, line checks, the line-fault alerts an unanswered check raises), which checkpoints
 * cover instead.
 */
export function actionOfEntry(entry: {
  type: string;
  linkId: string;
  drill: boolean;
  actor: { userId: string; role?: string };
  payload: Record<string, unknown>;
}): { act: SignedAct; fields: Record<string, unknown> } | null {
  const p = entry.payload;
  // Raised by the server for an unanswered line check: nobody signed it. Any other alert.raised is a
  // user's action, whatever its actor claims.
  if (entry.type === 'alert.raised' && entry.actor.role === 'system' && p.kind === 'line-fault') return null;
  switch (entry.type) {
    case 'key.registered':
      return { act: 'key:register', fields: p };
    case 'message':
      return { act: 'hotline:send', fields: { linkId: entry.linkId, clientMsgId: p.clientMsgId, text: p.text, precedence: p.precedence, drill: entry.drill } };
    case 'receipt':
      if (p.kind === 'ack') return { act: 'hotline:ack', fields: { linkId: entry.linkId, seq: p.uptoSeq, quotedHash: p.uptoHash } };
      return { act: p.kind === 'read' ? 'hotline:read' : 'hotline:delivered', fields: { linkId: entry.linkId, uptoSeq: p.uptoSeq, uptoHash: p.uptoHash } };
    case 'alert.raised':
      return {
        act: 'alert:raise',
        fields: {
          linkId: entry.linkId,
          clientAlertId: p.clientAlertId,
          kind: p.kind,
          severity: p.severity,
          description: p.description,
          location: p.location,
          occurredAt: p.occurredAt,
          drill: entry.drill,
        },
      };
    case 'alert.acknowledged':
      return { act: 'alert:ack', fields: p };
    case 'alert.commented':
      return { act: 'alert:comment', fields: p };
    case 'alert.resolved':
      return { act: 'alert:resolve', fields: p };
    case 'alert.cancelled':
      return { act: 'alert:cancel', fields: p };
    case 'linecheck.answered':
      return { act: 'linecheck:answer', fields: { linkId: entry.linkId, checkId: p.checkId, quotedHash: p.quotedHash } };
    case 'config.changed':
      // Seeds and imports are written by the server; an admin's change through the API is theirs.
      if (entry.actor.role === 'system') return null;
      return {
        act: 'config:change',
        fields: { baseVersion: (p.version as number) - 1, section: p.section, op: p.op, itemId: p.itemId, valueHash: p.valueHash },
      };
    case 'duty.handover':
      return { act: 'duty:handover', fields: { linkId: entry.linkId, postId: p.postId, to: p.to, note: p.note } };
    default:
      return null;
  }
}

export function checkpointInput(cp: { linkId: string; seq: number; hash: string; ts: number }): string {
  return canonicalize({ v: 1, type: 'checkpoint', linkId: cp.linkId, seq: cp.seq, hash: cp.hash, ts: cp.ts });
}

// --- base64url without Buffer (browsers) ---------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += B64[(n >> 6) & 63]!;
  }
  return out;
}

export function fromBase64Url(text: string): Uint8Array {
  const clean = text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const ch of clean) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error('invalid base64url');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, o);
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
