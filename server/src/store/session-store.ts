import { SessionInfo } from '@hotline/shared';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

/**
 * Sessions (one per login of a device), per user, and the set of revoked ones. A session is created
 * when first seen and its last-seen time moves on; a revoked session stays revoked (touching it again
 * does not bring it back) until its last token has expired, when it is pruned.
 */
export interface SessionStore {
  /** Records that the session was seen now; creates it on first sight. Returns the stored session. */
  touch(seen: { sid: string; userId: string; device: string; address: string; expiresAt: number }, now?: number): Promise<SessionInfo>;
  /** A user's sessions, newest first. */
  list(userId: string): Promise<SessionInfo[]>;
  /** Marks the session revoked (an earlier revocation stands). Returns it, or null for an unknown session. */
  revoke(userId: string, sid: string, now?: number): Promise<SessionInfo | null>;
  /** Whether a session id was revoked. */
  isRevoked(sid: string): Promise<boolean>;
  /** Every revoked session id whose tokens may still be presented. */
  revokedIds(now?: number): Promise<string[]>;
}

export class RedisSessionStore implements SessionStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  async touch(seen: { sid: string; userId: string; device: string; address: string; expiresAt: number }, now = Date.now()): Promise<SessionInfo> {
    const key = this.keys.sessions(seen.userId);
    const raw = await this.redis.hget(key, seen.sid);
    const stored = raw ? decodeStored(SessionInfo, raw, 'session') : null;
    const next: SessionInfo = stored
      ? { ...stored, lastSeen: Math.max(stored.lastSeen, now), address: seen.address || stored.address, expiresAt: Math.max(stored.expiresAt, seen.expiresAt) }
      : { sid: seen.sid, userId: seen.userId, device: seen.device.slice(0, 200), address: seen.address, firstSeen: now, lastSeen: now, expiresAt: seen.expiresAt, revokedAt: null };
    // A session revoked meanwhile (by another node) keeps its revocation.
    if (stored?.revokedAt == null && (await this.isRevoked(seen.sid))) next.revokedAt = now;
    await this.redis.hset(key, seen.sid, JSON.stringify(next));
    return next;
  }

  async list(userId: string): Promise<SessionInfo[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.sessions(userId))).map((raw) => decodeStored(SessionInfo, raw, 'session'));
    return all.sort((a, b) => b.lastSeen - a.lastSeen);
  }

  async revoke(userId: string, sid: string, now = Date.now()): Promise<SessionInfo | null> {
    const key = this.keys.sessions(userId);
    const raw = await this.redis.hget(key, sid);
    if (!raw) return null;
    const stored = decodeStored(SessionInfo, raw, 'session');
    const revoked = stored.revokedAt === null ? { ...stored, revokedAt: now } : stored;
    await this.redis
      .multi()
      .zadd(this.keys.revokedSessions(), revoked.expiresAt, sid)
      .hset(key, sid, JSON.stringify(revoked))
      .exec();
    return revoked;
  }

  async isRevoked(sid: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.revokedSessions(), sid)) !== null;
  }

  async revokedIds(now = Date.now()): Promise<string[]> {
    await this.redis.zremrangebyscore(this.keys.revokedSessions(), '-inf', now - 60_000);
    return this.redis.zrange(this.keys.revokedSessions(), 0, -1);
  }
}
