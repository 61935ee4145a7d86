import { AppError, ErrorCode, type LoginResponse } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords.js';
import type { TokenSigner } from '../auth/tokens.js';

/** Log-in with username and password, and token checks for HTTP requests. */
export class AuthService {
  constructor(
    readonly topo: TopologyIndex,
    readonly tokens: TokenSigner,
  ) {}

  async login(username: string, password: string): Promise<LoginResponse> {
    const user = this.topo.user(username);
    // Check a hash even for unknown users so the answer takes as long either way.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new AppError(ErrorCode.UNAUTHENTICATED, 'unknown user or wrong password');
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
