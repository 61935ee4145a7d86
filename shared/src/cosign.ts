import { signingInput } from './signing.js';

/**
 * Cosignatures: a side's countersignature of a server checkpoint (docs/record.md §7.6). A console
 * that receives a checkpoint of a link it holds, and holds the entry at the checkpoint's seq with the
 * same hash, signs `{ v: 1, act: "checkpoint:cosign", userId, linkId, seq, hash, side }` with its
 * own registered key. The server keeps the first cosignature of each side for each checkpoint and
 * exports it with the checkpoint; a verifier given each side's pinned keys (a trusted-keys file) then
 * refuses any history that contradicts what a side cosigned, whoever holds the server key. Free of zod
 * (core.ts): the console and the CLI verifier import it.
 */

/** A cosignature as stored and exported (inside the checkpoint line's `cosignatures`). */
export interface CosignatureShape {
  linkId: string;
  seq: number;
  hash: string;
  /** The cosigner's side (topology side id). Signed. */
  side: string;
  userId: string;
  /** Server time the cosignature was accepted (not signed; informational). */
  ts: number;
  /** The key that signed, as registered: a verifier checks it against the side's pinned keys. */
  key: { keyId: string; publicKey: string; validFrom: number; validUntil: number };
  sig: { keyId: string; value: string };
}

/** The exact string a cosigner signs and a verifier checks. */
export function cosignInput(c: { userId: string; linkId: string; seq: number; hash: string; side: string }): string {
  return signingInput('checkpoint:cosign', c.userId, { linkId: c.linkId, seq: c.seq, hash: c.hash, side: c.side });
}

export const TRUSTED_KEYS_FORMAT = 'hotline-trusted-keys/1';

/** One side's pinned keys (`npm run export-keys`), kept by that side and given to the verifier. */
export interface TrustedKeysFile {
  format: typeof TRUSTED_KEYS_FORMAT;
  side: string;
  exportedAt: number;
  keys: { keyId: string; userId: string; publicKey: string; validFrom: number; validUntil: number }[];
}

/** Reads a trusted-keys file's JSON, or throws an Error saying what is wrong with it. */
export function parseTrustedKeys(text: string): TrustedKeysFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  const f = v as Partial<TrustedKeysFile> | null;
  if (!f || typeof f !== 'object' || f.format !== TRUSTED_KEYS_FORMAT) throw new Error(`not a ${TRUSTED_KEYS_FORMAT} file`);
  if (typeof f.side !== 'string' || f.side === '') throw new Error('no side');
  if (!Array.isArray(f.keys)) throw new Error('no keys');
  for (const k of f.keys) {
    if (!k || typeof k.keyId !== 'string' || !/^[0-9a-f]{32}$/.test(k.keyId) || typeof k.publicKey !== 'string' || typeof k.userId !== 'string') {
      throw new Error('a key without keyId, userId or publicKey');
    }
    if (typeof k.validFrom !== 'number' || typeof k.validUntil !== 'number') throw new Error(`key ${k.keyId} without its validity`);
  }
  return { format: TRUSTED_KEYS_FORMAT, side: f.side, exportedAt: Number(f.exportedAt ?? 0), keys: f.keys };
}
