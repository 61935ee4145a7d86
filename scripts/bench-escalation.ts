/**
 * The escalation-timer benchmark on its own:
 *   npm run bench:escalation [-- --timers 10000 --timer-delay 15s --raise-rate 1000]
 * Same flags as `npm run bench`; runs only the escalation section (its own Redis and two nodes).
 */
import { UsageError } from './lib/cli.js';
import { BENCH_USAGE, main } from './bench.js';

main(process.argv.slice(2), { only: ['escalation'] }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n\n${BENCH_USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
