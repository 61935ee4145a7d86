/**
 * Polls `check` until it returns a truthy value (or stops throwing), then returns it. For conditions
 * that become true eventually; never a bare sleep.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; message?: string } = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const timeout = options.timeout ?? 10_000;
  const interval = options.interval ?? 25;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${options.message ?? 'condition not met'} within ${timeout} ms${reason}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Resolves with the first event `event` from `target` that passes `filter`. */
export function nextEvent<A extends unknown[]>(
  target: { on(event: string, fn: (...args: A) => void): unknown; off?(event: string, fn: (...args: A) => void): unknown },
  event: string,
  filter: (...args: A) => boolean = () => true,
  timeout = 10_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.off?.(event, listener);
      reject(new Error(`no "${event}" event within ${timeout} ms`));
    }, timeout);
    const listener = (...args: A) => {
      if (!filter(...args)) return;
      clearTimeout(timer);
      target.off?.(event, listener);
      resolve(args);
    };
    target.on(event, listener);
  });
}
