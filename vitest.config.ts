import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration files create their own databases and queues, so they can run side by side.
    fileParallelism: true,
    reporters: ['default'],
  },
});
