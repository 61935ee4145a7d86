import { ErrorCode } from '@hotline/shared';
import { HotlineError } from './errors.js';

/**
 * Retry delays with exponential growth and jitter ("equal jitter": half the delay fixed, half random),
 * so that consoles that lost their node at the same moment do not come back at the same moment. A
 * server that sheds load or rate-limits says when to come back (`details.retryAfterMs`); the delay is
 * then at least that, plus up to half of it again at random.
 */
export function retryDelay(attempt: number, options: { baseMs: number; maxMs: number }, err?: unknown, random: () => number = Math.random): number {
  const hint = retryAfterOf(err);
  if (hint !== null) return Math.round(hint * (1 + random() / 2));
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The server's `retryAfterMs` of a RATE_LIMITED or UNAVAILABLE error, or null. */
export function retryAfterOf(err: unknown): number | null {
  if (!(err instanceof HotlineError)) return null;
  if (err.code !== ErrorCode.RATE_LIMITED && err.code !== ErrorCode.UNAVAILABLE) return null;
  const ms = Number(err.details?.retryAfterMs);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 60_000) : null;
}
