import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' } as const;

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'all', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      {
        // The list suites once more on a SQLite file, as the server runs by default: its filtered
        // and offset pages are read by the read thread (storage/sqlite-read-thread.ts), which an
        // in-memory database has not.
        test: {
          ...shared,
          name: 'lists on a SQLite file',
          include: ['src/routes/customers/list-customers.test.ts', 'test/flows/list-*.test.ts'],
          env: { TEST_ENGINE: 'sqlite-file' },
        },
      },
    ],
  },
});
