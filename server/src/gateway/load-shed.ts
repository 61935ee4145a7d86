import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { AppError, ErrorCode } from '@hotline/shared';

/**
 * Sheds load on one node instead of falling over: when many consoles arrive at once (another node died
 * and its consoles all reconnect here, or Redis came back after a restart), handshakes beyond
 * `connectRate` per window, and events beyond `maxInFlight` in flight, are refused with the retryable
 * UNAVAILABLE and a `retryAfterMs` (spread at random, so the refused do not come back together). The SDK
 * waits that long, with jitter, and tries again; nothing is written by a refused event. While the event
 * loop lags more than `maxLagMs` (measured every 20 ms), new handshakes are refused too: the consoles
 * already here are served first.
 */
export class LoadShedder {
  readonly #connectMax: number;
  readonly #windowMs: number;
  readonly #maxInFlight: number;
  readonly #maxLagMs: number;
  #windowStart = 0;
  #admitted = 0;
  #shedConnects = 0;
  #shedEvents = 0;
  readonly #lag: IntervalHistogram;
  readonly #lagTimer: ReturnType<typeof setInterval>;
  #lagMs = 0;

  readonly #onShedConnection: (() => void) | undefined;

  constructor(options: { connectRate: { max: number; windowMs: number }; maxInFlight: number; maxLagMs: number; onShedConnection?: () => void }) {
    this.#onShedConnection = options.onShedConnection;
    this.#connectMax = options.connectRate.max;
    this.#windowMs = options.connectRate.windowMs;
    this.#maxInFlight = options.maxInFlight;
    this.#maxLagMs = options.maxLagMs;
    this.#lag = monitorEventLoopDelay({ resolution: 20 });
    this.#lag.enable();
    // The lag of the last half second, not since the start.
    this.#lagTimer = setInterval(() => {
      this.#lagMs = this.#lag.max / 1e6;
      this.#lag.reset();
    }, 500);
    this.#lagTimer.unref();
  }

  /** Handshakes and events refused so far (for metrics and benchmarks). */
  get shed(): { connects: number; events: number } {
    return { connects: this.#shedConnects, events: this.#shedEvents };
  }

  /** null when a handshake may go on; else how long the console should wait before trying again. */
  admitConnection(now = Date.now()): number | null {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#admitted = 0;
    }
    if (this.#admitted < this.#connectMax && this.#lagMs <= this.#maxLagMs) {
      this.#admitted++;
      return null;
    }
    this.#shedConnects++;
    this.#onShedConnection?.();
    // Until the window ends, then spread over one more window.
    return Math.max(0, this.#windowStart + this.#windowMs - now) + Math.round(Math.random() * this.#windowMs);
  }

  /** Throws UNAVAILABLE (retryable, with retryAfterMs) when this node already has `maxInFlight` events in flight. */
  admitEvent(inFlight: number): void {
    if (inFlight < this.#maxInFlight) return;
    this.#shedEvents++;
    throw new AppError(ErrorCode.UNAVAILABLE, 'this node is busy; retry', { details: { retryAfterMs: 200 + Math.round(Math.random() * 800) } });
  }

  close(): void {
    clearInterval(this.#lagTimer);
    this.#lag.disable();
  }
}
