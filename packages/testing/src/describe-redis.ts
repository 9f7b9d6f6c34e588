// The only module that imports vitest: the rest of the package also works
// outside a test run (benches, scripts).
import { describe, it } from 'vitest';
import { testRedisUrl } from './redis.js';

/**
 * A describe block that gets a Redis URL, or is skipped when none can be had
 * (never under CI=true: there the suite fails instead). Equivalent pattern:
 *
 *   const redisUrl = await testRedisUrl();
 *   describe.skipIf(!redisUrl)('…', () => { … redisUrl! … });
 */
export function describeRedis(name: string, fn: (redisUrl: string) => void): void {
  describe(name, async () => {
    const url = await testRedisUrl();
    if (!url) {
      it.skip('needs Redis: set REDIS_URL or put redis-server on PATH', () => undefined);
      return;
    }
    fn(url);
  });
}
