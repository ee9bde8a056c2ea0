import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: run files in parallel, but not more of them than the machine has.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
