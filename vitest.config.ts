import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each e2e file starts its own redis-server and server processes; two files at a time on 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        // The console in Chromium runs after the others: a browser beside the timing-sensitive e2e files
        // on two cores would only make both flaky.
        extends: true,
        // Its files run one after another: each starts its own servers and Chromium.
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], sequence: { groupOrder: 1 }, fileParallelism: false },
      },
    ],
  },
});
