import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

/** A user's registered signing key. */
export interface KeyRecord {
  keyId: string;
  userId: string;
  alg: 'ES256';
  /** base64url SPKI */
  publicKey: string;
  validFrom: number;
  validUntil: number;
  /** The key's own signature of its registration (proof of possession). */
  proof: string;
}

/**
 * Which key belongs to which user, from when to when. The authoritative copy for the server's checks;
 * the record itself carries a key.registered entry in every link log the key signs on.
 */
export interface KeyRegistry {
  /** Stores a key; registering the same key again keeps the first record. Returns the stored record. */
  register(record: KeyRecord): Promise<KeyRecord>;
  get(userId: string, keyId: string): Promise<KeyRecord | null>;
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
    return (await this.get(record.userId, record.keyId))!;
  }

  async get(userId: string, keyId: string): Promise<KeyRecord | null> {
    const raw = await this.redis.hget(this.keys.userKeys(userId), keyId);
    return raw ? (JSON.parse(raw) as KeyRecord) : null;
  }
}
