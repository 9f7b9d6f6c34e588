// One vitest setup for every workspace: tests import workspace packages from
// their TypeScript source (the "source" export condition), and each run writes
// a JSON summary that .ci/run adds up into one "N passed, N failed" line.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source', 'node'] },
  ssr: { resolve: { conditions: ['source', 'node'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
