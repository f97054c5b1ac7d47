import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/harness/global-setup.ts'],
          // A real broker: group joins and transactions take seconds, not milliseconds.
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores shared with a broker and a registry: run integration files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
