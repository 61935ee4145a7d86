import { z } from 'zod';
import { ALERT_ID_PATTERN } from './ids.js';
import { codePoints, isWellFormedText } from './text.js';
import { Id, LatLon } from './topology.js';

/**
 * The scalars and small shapes every other wire schema is built from (entries.ts, projections.ts,
 * requests.ts, events.ts). docs/protocol.md describes them in prose.
 */

/** keyId: the first 16 bytes of SHA-256 over the SPKI public key, in hex. */
export const KeyId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters');

export const Sig = z.strictObject({
  keyId: KeyId,
  /** base64url of the 64-byte r||s signature */
  value: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/, 'must be a base64url ECDSA P-256 signature'),
});
export type Sig = z.infer<typeof Sig>;

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

/** Text in any script. Stored and returned exactly as sent; lone surrogates (not Unicode) are refused. */
export function text(max: number) {
  return z
    .string()
    .max(max * 2, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .refine((s) => isWellFormedText(s), 'must be well-formed Unicode')
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

/** `AL-<linkId>-<seq of the alert.raised entry>`; the link can be read back from the id (ids.ts). */
export const AlertId = z.string().regex(ALERT_ID_PATTERN, 'must be an alert id');
