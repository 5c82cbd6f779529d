import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup-env.ts'],
    // One PostgreSQL 15 for the whole run (see test/support/global-postgres.ts).
    globalSetup: ['test/support/global-postgres.ts'],
    // A passing run is quiet: what a test logs is shown only when it fails.
    silent: 'passed-only',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
