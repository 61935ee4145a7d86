import { AppError, ErrorCode, type LoginResponse } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords.js';
import type { TokenSigner } from '../auth/tokens.js';
import type { Limit, RedisRateLimits } from '../store/rate-limits.js';

/** Log-in with username and password (rate-limited, with lock-out), and token checks for HTTP requests. */
export class AuthService {
  constructor(
    readonly topo: TopologyIndex,
    readonly tokens: TokenSigner,
    readonly limits?: { store: RedisRateLimits; perAddress: Limit; lockout: Limit },
  ) {}

  async login(username: string, password: string, address = 'unknown'): Promise<LoginResponse> {
    const limits = this.limits;
    if (limits) {
      const wait = await limits.store.hit(`ip:${address}`, limits.perAddress);
      if (wait > 0) throw new AppError(ErrorCode.RATE_LIMITED, `too many login attempts; retry in ${wait} ms`, { details: { retryAfterMs: wait } });
      const locked = await limits.store.loginLocked(username);
      if (locked > 0) {
        throw new AppError(ErrorCode.RATE_LIMITED, `"${username}" is locked after repeated failed logins; retry in ${Math.ceil(locked / 1000)} s`, {
          details: { retryAfterMs: locked },
        });
      }
    }
    const user = this.topo.user(username);
    // Check a hash even for unknown users so the answer takes as long either way.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      if (limits) await limits.store.loginFailed(username, limits.lockout.max, limits.lockout.windowMs);
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'unknown user or wrong password');
    }
    if (limits) await limits.store.loginSucceeded(username, limits.lockout.windowMs);
    const { token, claims } = this.tokens.issue(user);
    return { token, expiresAt: claims.exp, user: this.topo.sessionUser(user) };
  }

  /** A fresh token for the holder of a valid one (consoles renew before the shift's token runs out). */
  refresh(principal: Principal): LoginResponse {
    const user = this.topo.user(principal.userId)!;
    const { token, claims } = this.tokens.issue(user, { drill: principal.drillOnly });
    return { token, expiresAt: claims.exp, user: this.topo.sessionUser(user) };
  }

  /** The principal of a bearer token, or UNAUTHENTICATED. */
  authenticate(token: unknown): Principal {
    const check = this.tokens.verify(token);
    if (!check.ok) throw new AppError(ErrorCode.UNAUTHENTICATED, check.reason === 'expired' ? 'token expired' : 'invalid token');
    const user = this.topo.user(check.claims.sub);
    if (!user || user.role !== check.claims.role) throw new AppError(ErrorCode.UNAUTHENTICATED, 'unknown user');
    return this.topo.principalFor(user, check.claims);
  }
}
