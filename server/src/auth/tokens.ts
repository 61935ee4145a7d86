import { createHmac, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { Id, Role } from '@hotline/shared';

/** What a token asserts (times in ms here; whole seconds on the wire, as JWT has them). */
export const TokenClaims = z.strictObject({
  /** user id */
  sub: Id,
  role: Role,
  /** The session this token belongs to: revoking it refuses the token on every node. */
  sid: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  /** issued at, ms (a whole second) */
  iat: z.number().int(),
  /** expires at, ms (a whole second) */
  exp: z.number().int(),
  /** A drill token: everything sent with it is exercise traffic. */
  drill: z.boolean().optional(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const WireClaims = z.object({
  sub: Id,
  role: Role,
  sid: TokenClaims.shape.sid,
  iat: z.number().int(),
  exp: z.number().int(),
  drill: z.boolean().optional(),
});

/**
 * Signed, expiring bearer tokens: standard JWTs (HS256, RFC 7519) naming the user, their role and their
 * session (`sid`). Verified with `jose`, restricted to HS256; every node verifies them with the shared
 * secret alone, and the session store says whether the session was revoked.
 *
 * Issuing stays synchronous (a compact JWS is one HMAC) so scripts and tests mint tokens inline.
 */
export class TokenSigner {
  readonly #secret: string;
  readonly #key: Uint8Array;
  readonly #ttlMs: number;

  constructor(secret: string, ttlMs: number) {
    this.#secret = secret;
    this.#key = new TextEncoder().encode(secret);
    this.#ttlMs = ttlMs;
  }

  /** A token for a new session (or for `sid`, when renewing one). */
  issue(
    user: { id: string; role: Role },
    options: { drill?: boolean; now?: number; ttlMs?: number; sid?: string } = {},
  ): { token: string; claims: TokenClaims } {
    const now = options.now ?? Date.now();
    const iat = Math.floor(now / 1000);
    // JWT times are whole seconds: round the expiry down so a token never outlives its time to live.
    const exp = Math.floor((now + (options.ttlMs ?? this.#ttlMs)) / 1000);
    const sid = options.sid ?? randomUUID().replaceAll('-', '');
    const wire: z.infer<typeof WireClaims> = { sub: user.id, role: user.role, sid, iat, exp };
    if (options.drill) wire.drill = true;
    const body = `${HEADER}.${Buffer.from(JSON.stringify(wire)).toString('base64url')}`;
    const sig = createHmac('sha256', this.#secret).update(body).digest('base64url');
    const claims: TokenClaims = { sub: user.id, role: user.role, sid, iat: iat * 1000, exp: exp * 1000 };
    if (options.drill) claims.drill = true;
    return { token: `${body}.${sig}`, claims };
  }

  async verify(token: unknown, now = Date.now()): Promise<TokenCheck> {
    if (typeof token !== 'string' || token.length > 2048 || token.split('.').length !== 3) return { ok: false, reason: 'malformed' };
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], currentDate: new Date(now), clockTolerance: 0 });
      const wire = WireClaims.safeParse(payload);
      if (!wire.success) return { ok: false, reason: 'malformed' };
      // jose accepts a token until the second after exp; a token is expired from exp on.
      if (wire.data.exp * 1000 <= now) return { ok: false, reason: 'expired' };
      const claims: TokenClaims = { sub: wire.data.sub, role: wire.data.role, sid: wire.data.sid, iat: wire.data.iat * 1000, exp: wire.data.exp * 1000 };
      if (wire.data.drill) claims.drill = true;
      return { ok: true, claims };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'signature' };
      return { ok: false, reason: 'malformed' };
    }
  }
}
