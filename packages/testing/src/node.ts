// The helpers that need no test runner, for benchmarks and scripts
// (`@bamboo/testing/node`); the package index adds the vitest ones.
export { freePort } from './ports.js';
export { tempDir, uniquePrefix } from './names.js';
export { answersPing, deleteRedisKeys, startThrowawayRedis, testRedisUrl } from './redis.js';
export { signedInit, userIdentity, readJson, type AsGatewayOptions } from './gateway.js';
