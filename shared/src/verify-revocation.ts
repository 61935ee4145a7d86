/**
 * Key revocation as the offline verifier sees it (docs/record.md, "Key revocation"): a key.revoked
 * entry ends a signing key's validity on that record. Anything signed by the key that comes after the
 * revocation entry, or bears a time at or after `revokedAt`, is refused. Kept apart from the verifier's
 * chain and checkpoint checks so each can change on its own. Free of zod (core.ts).
 */
export class KeyRevocations {
  readonly #revoked = new Map<string, { seq: number; revokedAt: number }>();

  /** How many keys this record revokes. */
  get size(): number {
    return this.#revoked.size;
  }

  /** Notes a key.revoked entry; returns a reason when the entry itself is malformed. */
  note(entry: { seq: number; payload: Record<string, unknown>; actor?: { role?: string } }): string | null {
    const keyId = entry.payload.keyId;
    const revokedAt = entry.payload.revokedAt;
    if (typeof keyId !== 'string' || typeof revokedAt !== 'number') return 'malformed key.revoked entry';
    if (entry.actor?.role !== 'system') return 'key.revoked entries are written by the server';
    if (!this.#revoked.has(keyId)) this.#revoked.set(keyId, { seq: entry.seq, revokedAt });
    return null;
  }

  /** Why an entry signed by `keyId` at `ts` is not valid here, or null when it is. */
  refuse(keyId: string, seq: number, ts: number): string | null {
    const r = this.#revoked.get(keyId);
    if (!r) return null;
    if (seq > r.seq || ts >= r.revokedAt) {
      return `signed with key ${keyId}, which was revoked at ${new Date(r.revokedAt).toISOString()} (key.revoked at seq ${r.seq})`;
    }
    return null;
  }
}
