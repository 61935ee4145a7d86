import { ErrorCode } from '@hotline/shared';
import { HotlineError } from './errors.js';

/** A token and when it expires (ms since the epoch), as login and POST /api/auth/refresh answer. */
export interface TokenGrant {
  token: string;
  expiresAt: number;
}

/**
 * Gets a new token (from POST /api/auth/refresh, a login, a drill officer…). Throw a HotlineError with
 * code UNAUTHENTICATED or FORBIDDEN when no token can be had any more (the session ended): the client
 * then reports `unauthenticated`. Any other failure is retried with backoff.
 */
export type GetToken = () => Promise<TokenGrant>;

export interface TokenKeeperEvents {
  /** getToken gave a new token. */
  renewed(grant: TokenGrant): void;
  /** A renewal ahead of expiry was refused: no new token can be had; the user must log in again. */
  refused(reason: string): void;
}

/**
 * The client's token, renewed through `getToken` before it expires (as centrifuge-js does).
 *
 * Guarantees: while started, a token with a known expiry is renewed when `refreshBeforeMs` remain (at
 * most half of its lifetime, so a short-lived token is not renewed in a loop); a renewal that fails for
 * a passing reason (the server unreachable) is retried with backoff until it succeeds, is refused or
 * the keeper stops; one getToken call runs at a time and concurrent callers share its outcome. Once
 * getToken has refused, it is not called again until another token is set.
 */
export class TokenKeeper {
  #token: string;
  #expiresAt: number | undefined;
  /** When the current token arrived: its lifetime bounds how early it is renewed. */
  #receivedAt = Date.now();
  readonly #getToken: GetToken | undefined;
  readonly #refreshBeforeMs: number;
  readonly #events: TokenKeeperEvents;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<boolean> | undefined;
  #active = false;
  /** Why getToken refused to replace the current token. */
  #refusal: string | undefined;

  constructor(options: { token: string; expiresAt?: number | undefined; getToken?: GetToken | undefined; refreshBeforeMs: number }, events: TokenKeeperEvents) {
    this.#token = options.token;
    this.#expiresAt = options.expiresAt;
    this.#getToken = options.getToken;
    this.#refreshBeforeMs = options.refreshBeforeMs;
    this.#events = events;
  }

  get token(): string {
    return this.#token;
  }

  /** When the token expires, once known. */
  get expiresAt(): number | undefined {
    return this.#expiresAt;
  }

  /** Whether a refused or expiring token can be replaced without the user (a getToken was given). */
  get canRenew(): boolean {
    return this.#getToken !== undefined;
  }

  /** Why getToken refused to replace the current token, if it did. */
  get refusal(): string | undefined {
    return this.#refusal;
  }

  /** Replaces the token (a new login, or the expiry learnt from /api/me). */
  set(token: string, expiresAt: number | undefined): void {
    if (token !== this.#token) {
      this.#receivedAt = Date.now();
      this.#refusal = undefined;
    }
    this.#token = token;
    this.#expiresAt = expiresAt;
    this.#schedule();
  }

  /** Starts renewing ahead of expiry. */
  start(): void {
    this.#active = true;
    this.#schedule();
  }

  /** Stops renewing; a renewal under way gives up at its next retry. */
  stop(): void {
    this.#active = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Gets a new token now. Resolves true once one is held; false when getToken refuses (or refused
   * before: see `refusal`), when there is no getToken, or when the keeper stopped meanwhile.
   */
  renew(): Promise<boolean> {
    if (!this.#getToken || this.#refusal !== undefined) return Promise.resolve(false);
    this.#running ??= this.#renew(this.#getToken).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #renew(getToken: GetToken): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      let grant: TokenGrant;
      try {
        grant = await getToken();
      } catch (err) {
        if (err instanceof HotlineError && (err.code === ErrorCode.UNAUTHENTICATED || err.code === ErrorCode.FORBIDDEN)) {
          this.#refusal = err.message;
          return false;
        }
        if (!this.#active) return false;
        await new Promise((r) => setTimeout(r, Math.min(60_000, 2000 * 2 ** attempt) * (0.8 + Math.random() * 0.4)));
        if (!this.#active) return false;
        continue;
      }
      if (typeof grant?.token !== 'string' || grant.token === '' || !(grant.expiresAt > Date.now())) {
        this.#refusal = grant?.token ? 'getToken gave an expired token' : 'getToken gave no token';
        return false;
      }
      this.set(grant.token, grant.expiresAt);
      this.#events.renewed(grant);
      return true;
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#active || !this.#getToken || this.#expiresAt === undefined) return;
    const margin = Math.min(this.#refreshBeforeMs, (this.#expiresAt - this.#receivedAt) / 2);
    const delay = Math.min(2 ** 31 - 1, Math.max(0, this.#expiresAt - margin - Date.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.renew().then((renewed) => {
        if (!renewed && this.#active && this.#refusal !== undefined) this.#events.refused(this.#refusal);
      });
    }, delay);
  }
}
