import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@hotline/shared';
import { HotlineError } from '../../client-sdk/src/errors.js';
import { TokenKeeper, type GetToken, type TokenGrant } from '../../client-sdk/src/token.js';

const MINUTE = 60_000;

/** A keeper over a scripted getToken; records what it reports. */
function keeper(getToken: GetToken | undefined, options: { expiresIn: number; refreshBeforeMs?: number }) {
  const renewed: TokenGrant[] = [];
  const refused: string[] = [];
  const k = new TokenKeeper(
    { token: 't0', expiresAt: Date.now() + options.expiresIn, getToken, refreshBeforeMs: options.refreshBeforeMs ?? 5 * MINUTE },
    { renewed: (g) => renewed.push(g), refused: (r) => refused.push(r) },
  );
  return { k, renewed, refused };
}

const grant = (token: string, ttl = 60 * MINUTE): TokenGrant => ({ token, expiresAt: Date.now() + ttl });

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('token keeper', () => {
  it('renews refreshBeforeMs ahead of expiry, then again for the new token', async () => {
    let n = 0;
    const getToken = vi.fn(async () => grant(`t${++n}`));
    const { k, renewed } = keeper(getToken, { expiresIn: 60 * MINUTE });
    k.start();
    await vi.advanceTimersByTimeAsync(55 * MINUTE - 1);
    expect(getToken).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(k.token).toBe('t1');
    expect(renewed.map((g) => g.token)).toEqual(['t1']);
    await vi.advanceTimersByTimeAsync(55 * MINUTE);
    expect(k.token).toBe('t2');
    k.stop();
  });

  it('renews a short-lived token at half its lifetime, never in a loop', async () => {
    let n = 0;
    const getToken = vi.fn(async () => grant(`t${++n}`, 4000));
    const { k } = keeper(getToken, { expiresIn: 4000, refreshBeforeMs: 10 * MINUTE });
    k.start();
    await vi.advanceTimersByTimeAsync(1999);
    expect(getToken).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(getToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(getToken).toHaveBeenCalledTimes(2);
    k.stop();
  });

  it('shares one getToken call between concurrent callers', async () => {
    let release!: (g: TokenGrant) => void;
    const getToken = vi.fn(() => new Promise<TokenGrant>((r) => (release = r)));
    const { k } = keeper(getToken, { expiresIn: 60 * MINUTE });
    const both = Promise.all([k.renew(), k.renew()]);
    release(grant('t1'));
    expect(await both).toEqual([true, true]);
    expect(getToken).toHaveBeenCalledTimes(1);
  });

  it('retries a passing failure with backoff until getToken gives a token', async () => {
    let calls = 0;
    const getToken = vi.fn(async () => {
      if (++calls < 4) throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: 'unreachable' });
      return grant('t1');
    });
    const { k } = keeper(getToken, { expiresIn: 60 * MINUTE });
    k.start();
    const renewing = k.renew();
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(await renewing).toBe(true);
    expect(getToken).toHaveBeenCalledTimes(4);
    expect(k.token).toBe('t1');
    k.stop();
  });

  it('once getToken refuses, reports it once and asks no more until another token is set', async () => {
    const getToken = vi.fn(async (): Promise<TokenGrant> => {
      throw new HotlineError({ code: ErrorCode.UNAUTHENTICATED, message: 'session revoked' });
    });
    const { k, refused } = keeper(getToken, { expiresIn: 10 * MINUTE });
    k.start();
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(refused).toEqual(['session revoked']);
    expect(k.refusal).toBe('session revoked');
    expect(await k.renew()).toBe(false);
    expect(getToken).toHaveBeenCalledTimes(1);

    k.set('t-login', Date.now() + 60 * MINUTE);
    expect(k.refusal).toBeUndefined();
    expect(await k.renew()).toBe(false);
    expect(getToken).toHaveBeenCalledTimes(2);
    k.stop();
  });

  it('takes an expired grant for a refusal, and without getToken never renews', async () => {
    const { k } = keeper(async () => grant('stale', -1000), { expiresIn: 60 * MINUTE });
    expect(await k.renew()).toBe(false);
    expect(k.refusal).toBe('getToken gave an expired token');
    expect(k.token).toBe('t0');

    const none = keeper(undefined, { expiresIn: 1000 });
    none.k.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(none.k.canRenew).toBe(false);
    expect(await none.k.renew()).toBe(false);
    expect(none.refused).toEqual([]);
  });

  it('stop() cancels the scheduled renewal and gives up a retry under way', async () => {
    const getToken = vi.fn(async (): Promise<TokenGrant> => {
      throw new Error('network down');
    });
    const { k } = keeper(getToken, { expiresIn: 10 * MINUTE });
    k.start();
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(getToken).toHaveBeenCalledTimes(1);
    k.stop();
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(getToken).toHaveBeenCalledTimes(1);
  });
});
