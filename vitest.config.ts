import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The fault suite stops the shared broker; it runs on its own (`npm run test:faults`).
    exclude: ['tests/faults/**', '**/node_modules/**'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // A loaded 2-core machine (other suites run beside this one) needs more than the 1 s default.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    // Integration files create their own databases and queues, so they can run side by side.
    fileParallelism: true,
    reporters: ['default'],
  },
});
