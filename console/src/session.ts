import { apiFetch } from '@hotline/client-sdk';
import type { LoginResponse, VisibleTopology } from '@hotline/shared';

/**
 * The login kept in localStorage so a reload (or a browser restart) keeps the operator signed in until
 * the token expires or they log out. The outbox and drafts are kept per user beside it.
 */

const SESSION_KEY = 'hotline:session';

/** A login, and whether its token only allows exercise traffic (from GET /api/me). */
export type Session = LoginResponse & { drill?: boolean };

export function loadSession(now = Date.now()): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (typeof s?.token !== 'string' || typeof s.expiresAt !== 'number' || typeof s.user?.id !== 'string') return null;
    return s.expiresAt > now ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

/** A new token for the session (POST /api/auth/refresh with the current one), kept for the next reload. */
export async function renewSession(origin: string, session: Session): Promise<Session> {
  const fresh = await apiFetch<LoginResponse>(origin, '/api/auth/refresh', { token: session.token, method: 'POST' });
  const renewed: Session = session.drill === undefined ? fresh : { ...fresh, drill: session.drill };
  saveSession(renewed);
  return renewed;
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
}

/** Per-user storage keys: the SDK's outbox lives under `${userPrefix(id)}outbox`. */
export function userPrefix(userId: string): string {
  return `hotline:u:${userId}:`;
}

/** The last topology seen, so the console can open (and queue) while the server is unreachable. */
export function cachedTopology(userId: string): VisibleTopology | null {
  try {
    const raw = localStorage.getItem(`${userPrefix(userId)}topology`);
    return raw ? (JSON.parse(raw) as VisibleTopology) : null;
  } catch {
    return null;
  }
}

export function cacheTopology(userId: string, topology: VisibleTopology): void {
  try {
    localStorage.setItem(`${userPrefix(userId)}topology`, JSON.stringify(topology));
  } catch {
    // Storage full: the console works, it just cannot start offline.
  }
}

/** Unsent composer text per link, so a reload or crash never loses what was typed. */
export const drafts = {
  get(userId: string, linkId: string): string {
    return localStorage.getItem(`${userPrefix(userId)}draft:${linkId}`) ?? '';
  },
  set(userId: string, linkId: string, text: string): void {
    try {
      if (text === '') localStorage.removeItem(`${userPrefix(userId)}draft:${linkId}`);
      else localStorage.setItem(`${userPrefix(userId)}draft:${linkId}`, text);
    } catch {
      // Storage full: the draft stays in the text box.
    }
  },
};
