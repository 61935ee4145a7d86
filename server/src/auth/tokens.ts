import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { Id, Role } from '@hotline/shared';

/** What a token asserts. */
export const TokenClaims = z.strictObject({
  /** user id */
  sub: Id,
  role: Role,
  /** issued at, ms */
  iat: z.number().int(),
  /** expires at, ms */
  exp: z.number().int(),
  /** A drill token: everything sent with it is exercise traffic. */
  drill: z.boolean().optional(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/**
 * Signed, expiring bearer tokens: "v1.<claims base64url>.<HMAC-SHA256 base64url>".
 * Stateless, so every node verifies them with the shared secret alone.
 */
export class TokenSigner {
  readonly #secret: string;
  readonly #ttlMs: number;

  constructor(secret: string, ttlMs: number) {
    this.#secret = secret;
    this.#ttlMs = ttlMs;
  }

  issue(user: { id: string; role: Role }, options: { drill?: boolean; now?: number; ttlMs?: number } = {}): { token: string; claims: TokenClaims } {
    const now = options.now ?? Date.now();
    const claims: TokenClaims = { sub: user.id, role: user.role, iat: now, exp: now + (options.ttlMs ?? this.#ttlMs) };
    if (options.drill) claims.drill = true;
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `v1.${body}.${this.#sign(body)}`, claims };
  }

  verify(token: unknown, now = Date.now()): TokenCheck {
    if (typeof token !== 'string' || token.length > 2048) return { ok: false, reason: 'malformed' };
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== 'v1') return { ok: false, reason: 'malformed' };
    const [, body, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const claims = TokenClaims.safeParse(parsed);
    if (!claims.success) return { ok: false, reason: 'malformed' };
    if (claims.data.exp <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claims: claims.data };
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(`v1.${body}`).digest('base64url');
  }
}
