import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration suites start emulators on loopback ports; files run in parallel forks.
          pool: 'forks',
        },
      },
      'frontend/vite.config.ts',
    ],
  },
});
