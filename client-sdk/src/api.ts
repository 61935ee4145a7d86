import { ErrorCode, type BootResponse, type InboxResult, type LoginBootResponse, type LoginResponse, type SessionUser, type VisibleTopology } from '@hotline/shared';
import { HotlineError } from './errors.js';

/** Fetch JSON from the HTTP API; failures become HotlineError with the server's code. */
export async function apiFetch<T>(baseUrl: string, path: string, init: { token?: string; method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(path, baseUrl), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (err) {
    throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: `cannot reach ${baseUrl}: ${(err as Error).message}` });
  }
  const body = (await res.json().catch(() => null)) as ({ error?: { code: ErrorCode; message: string } } & T) | null;
  if (!res.ok) {
    throw new HotlineError(body?.error ?? { code: ErrorCode.INTERNAL, message: `HTTP ${res.status}` });
  }
  return body as T;
}

/**
 * The boot answer as the server sends it (`BootResponse` in @hotline/shared, which the server's answer
 * is checked against in its tests), checked here for what a client relies on without zod, so the
 * browser console's bundle stays free of it.
 */
export function readBoot(body: unknown): BootResponse {
  const b = body as Partial<BootResponse> | null;
  const ok =
    b !== null &&
    typeof b === 'object' &&
    typeof b.user?.id === 'string' &&
    typeof b.expiresAt === 'number' &&
    typeof b.drill === 'boolean' &&
    typeof b.preferences?.preferences?.language === 'string' &&
    typeof b.serverKey?.keyId === 'string' &&
    typeof b.serverKey.publicKey === 'string' &&
    Array.isArray(b.topology?.links);
  if (!ok) throw new HotlineError({ code: ErrorCode.INTERNAL, message: 'unexpected boot answer from the server' });
  return b as BootResponse;
}

/** GET /api/boot: the user, preferences, server key and visible topology of a token, in one request. */
export async function fetchBoot(baseUrl: string, token: string): Promise<BootResponse> {
  return readBoot(await apiFetch<unknown>(baseUrl, '/api/boot', { token }));
}

/** Who the token belongs to and until when (GET /api/me). */
export interface Me {
  user: SessionUser;
  expiresAt: number;
  /** The token only allows exercise traffic. */
  drill: boolean;
}

/**
 * The HTTP API, called with the client's current token. Every failure is a HotlineError with the
 * server's code (DISCONNECTED when the server cannot be reached). A call the server answers with
 * UNAUTHENTICATED is made once more after `renew` has fetched a new token, when it could.
 */
export class HttpApi {
  readonly url: string;
  readonly #token: () => string;
  readonly #renew: () => Promise<boolean>;

  constructor(url: string, token: () => string, renew: () => Promise<boolean> = () => Promise.resolve(false)) {
    this.url = url;
    this.#token = token;
    this.#renew = renew;
  }

  /** Logs in with username and password. */
  static login(url: string, username: string, password: string): Promise<LoginResponse> {
    return apiFetch<LoginResponse>(url, '/api/auth/login', { body: { username, password } });
  }

  /** Logs in and gets the boot answer with the token (one round trip for a console's first start). */
  static async loginWithBoot(url: string, username: string, password: string): Promise<LoginBootResponse> {
    const res = await apiFetch<LoginBootResponse>(url, '/api/auth/login', { body: { username, password, boot: true } });
    if (typeof res.token !== 'string') throw new HotlineError({ code: ErrorCode.INTERNAL, message: 'unexpected login answer from the server' });
    return { ...res, boot: readBoot(res.boot) };
  }

  /** GET a path with the token. */
  async get<T>(path: string): Promise<T> {
    try {
      return await apiFetch<T>(this.url, path, { token: this.#token() });
    } catch (err) {
      if (!(err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) || !(await this.#renew())) throw err;
      return apiFetch<T>(this.url, path, { token: this.#token() });
    }
  }

  /** A call with a method and a JSON body, renewing the token once like `get`. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init = { method, ...(body === undefined ? {} : { body }) };
    try {
      return await apiFetch<T>(this.url, path, { token: this.#token(), ...init });
    } catch (err) {
      if (!(err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) || !(await this.#renew())) throw err;
      return apiFetch<T>(this.url, path, { token: this.#token(), ...init });
    }
  }

  me(): Promise<Me> {
    return this.get<Me>('/api/me');
  }

  topology(): Promise<VisibleTopology> {
    return this.get<VisibleTopology>('/api/topology');
  }

  /** The key the server signs checkpoints with (public, no token needed). */
  serverKey(): Promise<{ keyId: string; publicKey: string }> {
    return apiFetch(this.url, '/api/server-key');
  }

  /** Escalations in the user's inbox after a position. */
  inbox(after: number, limit: number): Promise<InboxResult> {
    return this.get<InboxResult>(`/api/inbox?after=${after}&limit=${limit}`);
  }

  /** The hash of an alert's alert.raised entry, which acknowledgements quote. */
  async raisedHash(alertId: string): Promise<string> {
    return (await this.get<{ alert: { raisedHash: string } }>(`/api/alerts/${encodeURIComponent(alertId)}`)).alert.raisedHash;
  }
}
