import { defineConfig } from 'vitest/config';

/** The slow fault suite: `npm run test:faults` (also run by .ci/run). */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
