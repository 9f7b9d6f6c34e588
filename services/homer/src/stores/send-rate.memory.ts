// One-node send-rate limiter: theoretical arrival times in a map, swept of
// idle keys as it grows.
import { gcra, type SendRate } from './send-rate.js';

export function createMemorySendRate(now: () => number = Date.now): SendRate {
  const tats = new Map<string, number>();
  return {
    async take(key, limit) {
      const t = now();
      if (tats.size > 10_000) for (const [k, tat] of tats) if (tat <= t) tats.delete(k);
      const { verdict, tat } = gcra(tats.get(key) ?? 0, t, limit);
      if (tat !== undefined) tats.set(key, tat);
      return verdict;
    },
  };
}
