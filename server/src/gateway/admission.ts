import { AppError, ErrorCode } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { Metrics } from '../metrics.js';
import type { BatchedRateLimiter, Limit } from '../store/rate-limits.js';
import type { EventHooks } from './handle.js';
import type { LoadShedder } from './load-shed.js';

/**
 * What every event passes before its handler: the node is not shutting down, and the user and their post
 * are within their rate limits (counted in Redis, so shared by every node). Tracks events in flight so a
 * graceful shutdown can let them finish and ack. Records metrics for every answered event.
 */
export class Admission implements EventHooks {
  readonly #limits: BatchedRateLimiter;
  readonly #perUser: Limit;
  readonly #perPost: Limit;
  readonly #metrics: Metrics | undefined;
  readonly #active: ((principal: Principal) => void) | undefined;
  #inFlight = 0;
  #closing = false;
  #idle: (() => void)[] = [];

  readonly #shedder: LoadShedder | undefined;

  constructor(deps: {
    limits: BatchedRateLimiter;
    perUser: Limit;
    perPost: Limit;
    metrics?: Metrics;
    shedder?: LoadShedder;
    /** Throws when the principal's session was revoked or their user disabled (SessionService.assertActive). */
    active?: (principal: Principal) => void;
  }) {
    this.#shedder = deps.shedder;
    this.#active = deps.active;
    this.#limits = deps.limits;
    this.#perUser = deps.perUser;
    this.#perPost = deps.perPost;
    this.#metrics = deps.metrics;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  enter(): (() => void) | null {
    if (this.#closing) return null;
    this.#inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    };
  }

  async admit(principal: Principal, _event: string): Promise<void> {
    // Load shedding first: a busy node refuses (retryable) before spending anything on the event. This
    // event is already counted in flight.
    this.#shedder?.admitEvent(this.#inFlight - 1);
    this.#active?.(principal);
    const waits = [
      this.#limits.hit(`user:${principal.userId}`, this.#perUser),
      principal.postId ? this.#limits.hit(`post:${principal.postId}`, this.#perPost) : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) {
      throw new AppError(ErrorCode.RATE_LIMITED, `too many requests from ${waits[0]! > 0 ? principal.userId : principal.postId}; retry in ${wait} ms`, {
        details: { retryAfterMs: wait },
      });
    }
  }

  observe(event: string, outcome: 'ok' | ErrorCode, ms: number): void {
    if (!this.#metrics) return;
    this.#metrics.events.observe({ event, outcome }, ms / 1000);
    if (outcome !== 'ok') this.#metrics.rejected.inc({ code: outcome, source: 'socket' });
  }

  /** Refuses new events (UNAVAILABLE) and resolves once those in flight have answered, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#closing = true;
    if (this.#inFlight === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
