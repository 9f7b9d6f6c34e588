// Test helpers. Import from vitest test files (describeRedis needs vitest);
// benchmarks and scripts import `@bamboo/testing/node`.
export * from './node.js';
export { describeRedis } from './describe-redis.js';
