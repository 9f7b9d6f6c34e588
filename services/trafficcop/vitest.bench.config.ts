// Benchmarks run under vitest (the test helpers they reuse need it), one at
// a time, printing figures; they write no test results for CI to count.
import { defineConfig } from 'vitest/config';
import service from './vitest.config.ts';

export default defineConfig({
  ...service,
  test: {
    ...service.test,
    include: ['bench/**/*.bench.ts'],
    reporters: ['default'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
