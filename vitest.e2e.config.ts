import { defineConfig } from 'vitest/config';

// End-to-end tests drive run_lars.sh on the default ports: one file at a
// time, after every other test (scripts/test.sh runs this config second).
export default defineConfig({
  test: {
    include: ['**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
