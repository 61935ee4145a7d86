import { describe, expect, it } from 'vitest';
import { ErrorCode, isAppError } from '@hotline/shared';
import { retryDelay } from '../../client-sdk/src/backoff.js';
import { HotlineError } from '../../client-sdk/src/errors.js';
import { LoadShedder } from '../../server/src/gateway/load-shed.js';

describe('load shedding', () => {
  it('admits handshakes up to the rate per window, then answers how long to wait (spread over a window)', () => {
    const shed: number[] = [];
    const s = new LoadShedder({ connectRate: { max: 3, windowMs: 1000 }, maxInFlight: 10, maxLagMs: 10_000, onShedConnection: () => shed.push(1) });
    try {
      expect([s.admitConnection(5000), s.admitConnection(5100), s.admitConnection(5200)]).toEqual([null, null, null]);
      const wait = s.admitConnection(5300)!;
      expect(wait).toBeGreaterThanOrEqual(700);
      expect(wait).toBeLessThanOrEqual(1700);
      expect(s.shed.connects).toBe(1);
      expect(shed).toHaveLength(1);
      expect(s.admitConnection(6000)).toBeNull(); // a new window
    } finally {
      s.close();
    }
  });

  it('refuses events beyond the in-flight cap with a retryable UNAVAILABLE and retryAfterMs', () => {
    const s = new LoadShedder({ connectRate: { max: 3, windowMs: 1000 }, maxInFlight: 2, maxLagMs: 10_000 });
    try {
      expect(() => s.admitEvent(1)).not.toThrow();
      let caught: unknown;
      try {
        s.admitEvent(2);
      } catch (err) {
        caught = err;
      }
      expect(isAppError(caught) && caught.code).toBe(ErrorCode.UNAVAILABLE);
      const wire = (caught as { toWire(): { retryable?: boolean; details?: { retryAfterMs?: number } } }).toWire();
      expect(wire.retryable).toBe(true);
      expect(wire.details?.retryAfterMs).toBeGreaterThan(0);
      expect(s.shed.events).toBe(1);
    } finally {
      s.close();
    }
  });
});

describe('SDK retry delays', () => {
  it('grow exponentially with jitter between half and all of the ceiling', () => {
    const o = { baseMs: 200, maxMs: 5000 };
    expect(retryDelay(0, o, undefined, () => 0)).toBe(100);
    expect(retryDelay(0, o, undefined, () => 1)).toBe(200);
    expect(retryDelay(3, o, undefined, () => 0)).toBe(800);
    expect(retryDelay(3, o, undefined, () => 1)).toBe(1600);
    expect(retryDelay(20, o, undefined, () => 1)).toBe(5000);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelay(2, o)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('wait at least what a shedding or rate-limiting server asked for, never for other errors', () => {
    const o = { baseMs: 200, maxMs: 5000 };
    const busy = new HotlineError({ code: ErrorCode.UNAVAILABLE, message: 'busy', details: { retryAfterMs: 900 } });
    expect(retryDelay(0, o, busy, () => 0)).toBe(900);
    expect(retryDelay(0, o, busy, () => 1)).toBe(1350);
    const limited = new HotlineError({ code: ErrorCode.RATE_LIMITED, message: 'slow down', details: { retryAfterMs: 300 } });
    expect(retryDelay(5, o, limited, () => 0)).toBe(300);
    const internal = new HotlineError({ code: ErrorCode.INTERNAL, message: 'x', details: { retryAfterMs: 99_999 } });
    expect(retryDelay(0, o, internal, () => 1)).toBe(200);
  });
});
