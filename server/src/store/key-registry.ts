import { KeyId, Timestamp } from '@hotline/shared';
import { z } from 'zod';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { FieldRead, ProjectionOp } from './link-log.js';
import type { RedisClient } from './redis.js';

/** A user's registered signing key (server-side; the record carries it as a key.registered entry). */
export const KeyRecord = z.object({
  keyId: KeyId,
  userId: z.string(),
  alg: z.literal('ES256'),
  /** base64url SPKI */
  publicKey: z.string(),
  validFrom: Timestamp,
  validUntil: Timestamp,
  /** The key's own signature of its registration (proof of possession). */
  proof: z.string(),
  /** The session (device) that registered it: revoking the session revokes the key. */
  sessionId: z.string().optional(),
  /** When it was revoked (ms): nothing it signs from then on is accepted. */
  revokedAt: Timestamp.optional(),
});
export type KeyRecord = z.infer<typeof KeyRecord>;

/**
 * Which key belongs to which user, from when to when, and on which link logs each key is registered.
 * The user's keys are the authoritative copy for the server's checks; the record itself carries a
 * key.registered entry in every link log the key signs on, written in the same atomic step as the
 * first entry it signs there (with the `onLink` write below), so a key is on a link's record exactly
 * when this says so.
 */
export interface KeyRegistry {
  /** Stores a key; registering the same key again keeps the first record. Returns the stored record. */
  register(record: KeyRecord): Promise<KeyRecord>;
  get(userId: string, keyId: string): Promise<KeyRecord | null>;
  /** Every key a user has registered, by validFrom. */
  ofUser(userId: string): Promise<KeyRecord[]>;
  /** The snapshot read that says whether a key is registered on a link (non-null: it is). */
  readOnLink(linkId: string, keyId: string): FieldRead;
  /** The projection write recording that the entry at `seq` registered the key on the link. */
  onLink(linkId: string, keyId: string, seq: number): ProjectionOp;
  /** Seqs of the key.registered entries of a link, ascending. */
  linkKeySeqs(linkId: string): Promise<number[]>;
  /** Every key of a user. */
  list(userId: string): Promise<KeyRecord[]>;
  /** Marks a key revoked from `at` (an earlier revocation stands). Returns the stored record, or null. */
  markRevoked(userId: string, keyId: string, at: number): Promise<KeyRecord | null>;
  /** Whether the key is registered on the link's record (it signed there). */
  isOnLink(linkId: string, keyId: string): Promise<boolean>;
}

export class RedisKeyRegistry implements KeyRegistry {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  async register(record: KeyRecord): Promise<KeyRecord> {
    const key = this.keys.userKeys(record.userId);
    const created = await this.redis.hsetnx(key, record.keyId, JSON.stringify(record));
    if (created === 1) return record;
    const stored = await this.get(record.userId, record.keyId);
    if (!stored) throw new Error(`key ${record.keyId} of ${record.userId} vanished right after it was found registered`);
    return stored;
  }

  async get(userId: string, keyId: string): Promise<KeyRecord | null> {
    const raw = await this.redis.hget(this.keys.userKeys(userId), keyId);
    return raw ? decodeStored(KeyRecord, raw, 'signing key') : null;
  }

  async ofUser(userId: string): Promise<KeyRecord[]> {
    return Object.values(await this.redis.hgetall(this.keys.userKeys(userId)))
      .map((raw) => decodeStored(KeyRecord, raw, 'signing key'))
      .sort((a, b) => a.validFrom - b.validFrom);
  }

  readOnLink(linkId: string, keyId: string): FieldRead {
    return { key: this.keys.linkKeys(linkId), field: keyId };
  }

  onLink(linkId: string, keyId: string, seq: number): ProjectionOp {
    return { op: 'HSET', key: this.keys.linkKeys(linkId), field: keyId, value: String(seq) };
  }

  async list(userId: string): Promise<KeyRecord[]> {
    return Object.values(await this.redis.hgetall(this.keys.userKeys(userId))).map((raw) => decodeStored(KeyRecord, raw, 'signing key'));
  }

  async markRevoked(userId: string, keyId: string, at: number): Promise<KeyRecord | null> {
    const record = await this.get(userId, keyId);
    if (!record) return null;
    if (record.revokedAt !== undefined) return record;
    const revoked = { ...record, revokedAt: at };
    await this.redis.hset(this.keys.userKeys(userId), keyId, JSON.stringify(revoked));
    return revoked;
  }

  async isOnLink(linkId: string, keyId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.linkKeys(linkId), keyId)) === 1;
  }

  async linkKeySeqs(linkId: string): Promise<number[]> {
    return Object.values(await this.redis.hgetall(this.keys.linkKeys(linkId)))
      .map(Number)
      .sort((a, b) => a - b);
  }
}
