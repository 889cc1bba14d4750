import { defineConfig } from 'vitest/config';
import { sourceExecArgv, sourceResolution } from './vitest.config.js';

// End-to-end tests drive run_lars.sh on the default ports: one file at a
// time, after every other test (scripts/test.sh runs this config second).
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: sourceExecArgv } },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
