import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): real service and simulator processes under load while
 * the broker, the database or the processes fail. Scenarios share the one broker (one of them
 * stops it), so they run one after another.
 */
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 180_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 30_000, interval: 100 } },
    reporters: ['default'],
  },
});
