/**
 * Loaded into the processes the memory benchmark measures (node --expose-gc --import tsx --import
 * ./scripts/bench/gc-on-signal.ts …): on SIGUSR2, collect garbage twice and print one line with the
 * memory use, so RSS is compared on live data rather than on whatever garbage each process happens to
 * hold. Bench instrumentation only; servers never run with it otherwise.
 */
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ msg: 'gc-done', rss: m.rss, heapUsed: m.heapUsed, external: m.external })}\n`);
});
