import { defineConfig } from 'vitest/config';
import { SOURCE_CONDITION } from './test-support/source-node.js';

// Tests run on the TypeScript sources: vite resolves `@lars/*` through the
// `lars-source` export condition, and the forked test processes pass it to
// Node too, so worker threads a test starts resolve the same way.
export const sourceResolution = {
  resolve: { conditions: [SOURCE_CONDITION, 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'import', 'node', 'default'] } },
};
export const sourceExecArgv = [`--conditions=${SOURCE_CONDITION}`];

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['packages/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.e2e.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: sourceExecArgv } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
