// Calls on the hot state's raw ioredis client (Lua scripts) bypass its error
// mapping; this gives them the same: a Redis that does not answer is a 503.
import { ServiceUnavailableError } from '@bamboo/kit';
import type { HotState } from '@bamboo/engines';
import type { Redis } from 'ioredis';

export async function guard<T>(op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (err) {
    if (err instanceof Error && err.name === 'ReplyError' && !/^(LOADING|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|BUSY)\b/.test(err.message)) {
      throw err;
    }
    throw new ServiceUnavailableError('hot state unavailable', 'unavailable', {
      reason: err instanceof Error ? err.message : String(err),
    });
  }
}

/** The raw client and the key prefix it adds (channels in Lua need it by hand). */
export function redisOf(hot: HotState): { redis: Redis; prefix: string } {
  if (!hot.redis) throw new Error('this store needs the Redis hot-state engine');
  return { redis: hot.redis, prefix: hot.redis.options.keyPrefix ?? '' };
}
