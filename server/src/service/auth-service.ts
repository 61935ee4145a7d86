import { AppError, ErrorCode, type LoginResponse } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords.js';
import type { TokenSigner } from '../auth/tokens.js';
import type { RedisLoginThrottle } from '../store/login-throttle.js';
import type { Limit, RedisRateLimits } from '../store/rate-limits.js';
import type { SessionService } from './session-service.js';

/** Where a login or request comes from. */
export interface ClientSeen {
  address: string;
  /** The client's own description (User-Agent), trimmed. */
  device: string;
}

export interface AuthOptions {
  /** Login attempts per client address, whatever their outcome. */
  store?: RedisRateLimits;
  perAddress?: Limit;
  /** Delays after failed logins, per username and address, and per address. */
  throttle?: RedisLoginThrottle;
  sessions?: SessionService;
  /** Told of every failed or throttled login (metrics). */
  observe?: (outcome: 'failed' | 'throttled-pair' | 'throttled-address' | 'rate-limited') => void;
}

/**
 * Log-in with username and password (throttled per username and address, never locked), and token
 * checks for HTTP requests through the session service.
 */
export class AuthService {
  constructor(
    readonly topo: TopologyIndex,
    readonly tokens: TokenSigner,
    readonly options: AuthOptions = {},
  ) {}

  async login(username: string, password: string, seen: ClientSeen | string = 'unknown'): Promise<LoginResponse> {
    const from: ClientSeen = typeof seen === 'string' ? { address: seen, device: '' } : seen;
    const { store, perAddress, throttle, observe } = this.options;
    if (store && perAddress) {
      const wait = await store.hit(`ip:${from.address}`, perAddress);
      if (wait > 0) {
        observe?.('rate-limited');
        throw new AppError(ErrorCode.RATE_LIMITED, `too many login attempts; retry in ${wait} ms`, { details: { retryAfterMs: wait } });
      }
    }
    if (throttle) {
      const { waitMs, scope } = await throttle.wait(username, from.address);
      if (waitMs > 0) {
        observe?.(scope === 'address' ? 'throttled-address' : 'throttled-pair');
        const why = scope === 'address' ? 'too many failed logins from this address' : `repeated failed logins for "${username}" from this address`;
        throw new AppError(ErrorCode.RATE_LIMITED, `${why}; retry in ${Math.ceil(waitMs / 1000)} s`, { details: { retryAfterMs: waitMs, scope } });
      }
    }
    const user = this.topo.user(username);
    // Check a hash even for unknown users so the answer takes as long either way.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      observe?.('failed');
      if (throttle) await throttle.failed(username, from.address);
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'unknown user or wrong password');
    }
    if (throttle) await throttle.succeeded(username, from.address);
    const { token, claims } = this.tokens.issue(user);
    await this.options.sessions?.started(claims.sid, user.id, claims.exp, from);
    return { token, expiresAt: claims.exp, user: this.topo.sessionUser(user) };
  }

  /** A fresh token of the same session for the holder of a valid one (consoles renew before the shift's token runs out). */
  refresh(principal: Principal): LoginResponse {
    const user = this.topo.user(principal.userId)!;
    const { token, claims } = this.tokens.issue(user, { drill: principal.drillOnly, ...(principal.sessionId ? { sid: principal.sessionId } : {}) });
    return { token, expiresAt: claims.exp, user: this.topo.sessionUser(user) };
  }

  /** Checks a user's current password (password changes ask for it). */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    const user = this.topo.user(userId);
    return verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  }

  /** The principal of a bearer token, or UNAUTHENTICATED. */
  async authenticate(token: unknown, seen: ClientSeen = { address: '', device: '' }): Promise<Principal> {
    if (this.options.sessions) return this.options.sessions.authenticate(token, seen);
    const check = await this.tokens.verify(token);
    if (!check.ok) throw new AppError(ErrorCode.UNAUTHENTICATED, check.reason === 'expired' ? 'token expired' : 'invalid token');
    const user = this.topo.user(check.claims.sub);
    if (!user || user.role !== check.claims.role || user.disabled) throw new AppError(ErrorCode.UNAUTHENTICATED, 'unknown user');
    return this.topo.principalFor(user, check.claims);
  }
}
