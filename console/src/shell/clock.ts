import { setText } from '../dom.js';
import { formatCountdown, formatDuration } from '../format.js';

/**
 * Server time for countdowns to server deadlines: the local clock, corrected when it is off by more
 * than a second and a half from the server's (its Date header, to the second).
 */
export class ServerClock {
  #offset = 0;

  /** Server time now. */
  now(): number {
    return Date.now() + this.#offset;
  }

  /** Measures the offset again (on every connection); keeps the last one when the server is unreachable. */
  async sync(): Promise<void> {
    try {
      const t0 = Date.now();
      const res = await fetch('/healthz', { cache: 'no-store' });
      const t1 = Date.now();
      const date = Date.parse(res.headers.get('date') ?? '');
      if (!Number.isFinite(date)) return;
      // The Date header is truncated to the second: +500 ms on average; the answer left halfway.
      const offset = date + 500 + (t1 - t0) / 2 - t1;
      this.#offset = Math.abs(offset) > 1500 ? offset : 0;
    } catch {
      // Keep the last offset.
    }
  }
}

/**
 * Refreshes every live countdown (`data-deadline`, server time) and elapsed time (`data-since`, local
 * time) under `root`. Returns true when a deadline has passed, so the views should render again.
 */
export function tickTimers(root: ParentNode, serverNow: number): boolean {
  let due = false;
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('[data-deadline]'))) {
    const left = Number(el.dataset.deadline) - serverNow;
    setText(el, formatCountdown(left));
    el.classList.toggle('urgent', left < 30_000);
    if (left <= 0) due = true;
  }
  const local = Date.now();
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('[data-since]'))) setText(el, formatDuration(local - Number(el.dataset.since)));
  return due;
}
