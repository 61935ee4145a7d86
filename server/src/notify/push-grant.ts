import { createHmac } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { AlertId, Id } from '@hotline/shared';

/** The audience of an acknowledgement grant: never accepted where a session token is, nor the reverse. */
const AUDIENCE = 'hotline:push-ack';

/** What a grant asserts (times in ms here; whole seconds on the wire). */
export const PushGrantClaims = z.object({
  /** The user the push went to. */
  sub: Id,
  /** The session whose console subscribed. */
  sid: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  /** The signing key that console registered in that session: the only key the acknowledgement may be signed with. */
  kid: z.string().regex(/^[a-f0-9]{32}$/),
  /** The alerts it may acknowledge. */
  alerts: z.array(AlertId).min(1).max(50),
  /** The session's token was a drill token: the grant acts on exercise alerts only, as the session could. */
  drill: z.literal(true).optional(),
  exp: z.number().int(),
});
export type PushGrantClaims = z.infer<typeof PushGrantClaims>;

export type GrantCheck = { ok: true; claims: PushGrantClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/**
 * Short-lived acknowledgement grants carried inside a push: JWTs (HS256, made and checked with `jose`)
 * bound to (user, session, device key, alerts, expiry), keyed by a key derived from the token secret,
 * so a grant never passes as a session token (no role, another audience, another key). The service
 * worker holds no token: the grant and the device's own signature are all it sends.
 */
export class PushGrants {
  readonly #key: Uint8Array;

  constructor(tokenSecret: string) {
    this.#key = createHmac('sha256', tokenSecret).update('hotline push acknowledgement grant v1').digest();
  }

  async issue(claims: Omit<PushGrantClaims, 'exp'>, expiresAt: number): Promise<{ grant: string; expiresAt: number }> {
    // JWT times are whole seconds: rounded down, so a grant never outlives what was asked.
    const exp = Math.floor(expiresAt / 1000);
    const grant = await new SignJWT({ sid: claims.sid, kid: claims.kid, alerts: claims.alerts, ...(claims.drill ? { drill: true } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.#key);
    return { grant, expiresAt: exp * 1000 };
  }

  async verify(grant: unknown, now = Date.now()): Promise<GrantCheck> {
    if (typeof grant !== 'string' || grant.length > 4096 || grant.split('.').length !== 3) return { ok: false, reason: 'malformed' };
    try {
      const { payload } = await jwtVerify(grant, this.#key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: new Date(now), clockTolerance: 0 });
      const parsed = PushGrantClaims.safeParse(payload);
      if (!parsed.success) return { ok: false, reason: 'malformed' };
      if (parsed.data.exp * 1000 <= now) return { ok: false, reason: 'expired' };
      return { ok: true, claims: { ...parsed.data, exp: parsed.data.exp * 1000 } };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'signature' };
      return { ok: false, reason: 'malformed' };
    }
  }
}
