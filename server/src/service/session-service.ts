import { AppError, ErrorCode, type KeyRevokedPayload, type SessionInfo } from '@hotline/shared';
import type { z } from 'zod';
import type { TokenSigner } from '../auth/tokens.js';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import type { KeyRecord, KeyRegistry } from '../store/key-registry.js';
import type { Keys } from '../store/keys.js';
import type { LinkLog } from '../store/link-log.js';
import type { RedisClient } from '../store/redis.js';
import type { SessionStore } from '../store/session-store.js';
import type { Broadcaster } from './broadcaster.js';
import type { SignatureService } from './signature-service.js';

type RevokeReason = z.infer<typeof KeyRevokedPayload>['reason'];

/** What a revocation tells every node: sessions to cut off, users whose sockets all go, keys to forget. */
interface RevocationNotice {
  sids: string[];
  userIds: string[];
  keys: { userId: string; keyId: string }[];
}

/** What each node does with a revocation: close the sockets it covers (this node's only). */
export interface SocketCutter {
  closeSessions(sids: readonly string[]): void;
  closeUsers(userIds: readonly string[]): void;
}

/** Throttle of last-seen writes per session on one node. */
const TOUCH_EVERY_MS = 15_000;

/**
 * Tokens name a session; this service says whether a token's session and user may still act, records
 * sessions (device, address, first and last seen), and revokes them: a revocation is stored in Redis
 * first, then published, and every node closes the sockets it covers and refuses the session from then
 * on (its own copy of the revoked set answers every event without a round trip; handshakes and HTTP
 * requests also ask Redis). Revoking a session revokes the signing keys it registered, with a
 * key.revoked entry in every link log the key signed in.
 */
export class SessionService {
  readonly #revoked = new Set<string>();
  readonly #touched = new Map<string, number>();
  #cutter: SocketCutter | undefined;

  constructor(
    readonly deps: {
      topo: TopologyIndex;
      tokens: TokenSigner;
      store: SessionStore;
      registry: KeyRegistry;
      log: LinkLog;
      signatures: SignatureService;
      broadcaster: Broadcaster;
      redis: RedisClient;
      keys: Keys;
      logger: Logger;
    },
  ) {}

  /** Follows revocations published by every node; loads those made before this node started. */
  async start(sub: RedisClient, cutter: SocketCutter): Promise<void> {
    this.#cutter = cutter;
    const channel = this.deps.keys.revocationsChannel;
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        this.#apply(JSON.parse(message) as RevocationNotice);
      } catch (err) {
        this.deps.logger.warn({ err }, 'bad revocation notice');
      }
    });
    await sub.subscribe(channel);
    for (const sid of await this.deps.store.revokedIds()) this.#revoked.add(sid);
  }

  #apply(notice: RevocationNotice): void {
    for (const sid of notice.sids) this.#revoked.add(sid);
    for (const k of notice.keys) this.deps.signatures.forget(k.userId, k.keyId);
    this.#cutter?.closeSessions(notice.sids);
    this.#cutter?.closeUsers(notice.userIds);
  }

  /**
   * The principal of a token, or UNAUTHENTICATED: a bad or expired token, an unknown or disabled user,
   * a changed role, or a revoked session. Records the session as seen from `seen`.
   */
  async authenticate(token: unknown, seen: { device: string; address: string } = { device: '', address: '' }): Promise<Principal> {
    const check = await this.deps.tokens.verify(token);
    if (!check.ok) throw new AppError(ErrorCode.UNAUTHENTICATED, check.reason === 'expired' ? 'token expired' : 'invalid token');
    const { claims } = check;
    const user = this.deps.topo.user(claims.sub);
    if (!user || user.role !== claims.role) throw new AppError(ErrorCode.UNAUTHENTICATED, 'unknown user');
    if (user.disabled) throw new AppError(ErrorCode.UNAUTHENTICATED, 'this user is disabled');
    if (this.#revoked.has(claims.sid) || (await this.deps.store.isRevoked(claims.sid))) {
      this.#revoked.add(claims.sid);
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'this session was revoked');
    }
    const now = Date.now();
    if ((this.#touched.get(claims.sid) ?? 0) + TOUCH_EVERY_MS <= now) {
      this.#touched.set(claims.sid, now);
      if (this.#touched.size > 50_000) this.#touched.clear();
      await this.deps.store.touch({ sid: claims.sid, userId: user.id, device: seen.device, address: seen.address, expiresAt: claims.exp }, now);
    }
    return this.deps.topo.principalFor(user, claims);
  }

  /** Whether a session was revoked (on any node). */
  async isRevoked(sid: string): Promise<boolean> {
    if (this.#revoked.has(sid)) return true;
    if (!(await this.deps.store.isRevoked(sid))) return false;
    this.#revoked.add(sid);
    return true;
  }

  /** Synchronous check for every event on an open socket: the session and the user may still act. */
  assertActive(principal: Principal): void {
    if (this.#revoked.has(principal.sessionId)) throw new AppError(ErrorCode.UNAUTHENTICATED, 'this session was revoked');
    if (this.deps.topo.user(principal.userId)?.disabled) throw new AppError(ErrorCode.UNAUTHENTICATED, 'this user is disabled');
  }

  list(userId: string): Promise<SessionInfo[]> {
    return this.deps.store.list(userId);
  }

  /** Records a new session at login. */
  async started(sid: string, userId: string, expiresAt: number, seen: { device: string; address: string }): Promise<void> {
    this.#touched.set(sid, Date.now());
    await this.deps.store.touch({ sid, userId, expiresAt, ...seen });
  }

  /** Revokes one session of a user and the keys it registered. NOT_FOUND for an unknown session. */
  async revokeSession(by: string, userId: string, sid: string, reason: RevokeReason = 'session-revoked'): Promise<{ session: SessionInfo; keysRevoked: number }> {
    const session = await this.deps.store.revoke(userId, sid);
    if (!session) throw new AppError(ErrorCode.NOT_FOUND, `no session ${sid} of ${userId}`);
    const keys = (await this.deps.registry.list(userId)).filter((k) => k.sessionId === sid);
    await this.#publish({ sids: [sid], userIds: [], keys: keys.map((k) => ({ userId, keyId: k.keyId })) });
    const revokedKeys = await this.#revokeKeys(keys, reason, by);
    return { session, keysRevoked: revokedKeys };
  }

  /** Revokes every session and signing key of a user (disabled, or logging out everywhere). */
  async revokeUser(by: string, userId: string, reason: RevokeReason): Promise<{ sessions: number; keysRevoked: number }> {
    const sessions = (await this.deps.store.list(userId)).filter((s) => s.revokedAt === null);
    for (const s of sessions) await this.deps.store.revoke(userId, s.sid);
    const keys = await this.deps.registry.list(userId);
    await this.#publish({ sids: sessions.map((s) => s.sid), userIds: reason === 'user-disabled' ? [userId] : [], keys: keys.map((k) => ({ userId, keyId: k.keyId })) });
    return { sessions: sessions.length, keysRevoked: await this.#revokeKeys(keys, reason, by) };
  }

  async #publish(notice: RevocationNotice): Promise<void> {
    this.#apply(notice); // this node at once, the others through Redis
    await this.deps.redis.publish(this.deps.keys.revocationsChannel, JSON.stringify(notice));
  }

  /** Marks keys revoked and writes a key.revoked entry into every link log each key signed in. */
  async #revokeKeys(keys: KeyRecord[], reason: RevokeReason, by: string): Promise<number> {
    let n = 0;
    const now = Date.now();
    for (const k of keys) {
      if (k.revokedAt !== undefined) continue;
      const record = await this.deps.registry.markRevoked(k.userId, k.keyId, now);
      if (!record?.revokedAt) continue;
      n++;
      for (const link of this.deps.topo.links) {
        if (!(await this.deps.registry.isOnLink(link.id, k.keyId))) continue;
        const revokedAt = record.revokedAt;
        const outcome = await this.deps.log.appendOnce(link.id, [], () => ({
          write: true,
          draft: {
            linkId: link.id,
            type: 'key.revoked',
            actor: { userId: 'system', role: 'system', postId: null },
            drill: false,
            payload: { keyId: k.keyId, revokedAt, reason, by },
          },
          idempotency: { key: `key-revoked:${k.keyId}`, digest: k.keyId },
          result: () => null,
        }));
        if (outcome.kind === 'appended') this.deps.broadcaster.entry(outcome.entry);
      }
    }
    if (n > 0) this.deps.logger.info({ keys: n, reason, by }, 'signing keys revoked');
    return n;
  }
}
