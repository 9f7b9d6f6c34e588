// Test helpers. Import from vitest test files (describeRedis needs vitest).
export { freePort } from './ports.js';
export { tempDir, uniquePrefix } from './names.js';
export { answersPing, deleteRedisKeys, startThrowawayRedis, testRedisUrl } from './redis.js';
export { describeRedis } from './describe-redis.js';
export { signedInit, userIdentity, readJson, type AsGatewayOptions } from './gateway.js';
