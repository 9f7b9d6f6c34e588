// What a failed Redis call means to a caller: a reply error that is not
// transient (a script bug, a wrong type) stays what it is; anything else —
// no connection, a timeout, LOADING/READONLY during a failover — is "the
// store is unavailable", a 503. Adapters that call `hot.redis` directly
// (Lua via defineCommand) map their errors with this, as HotState does.
import { ServiceUnavailableError } from '@bamboo/kit';
import type { Redis } from 'ioredis';
import type { HotState } from './hot-state.js';

const TRANSIENT_REPLY = /^(LOADING|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|BUSY)\b/;

export function mapRedisError(err: unknown, store = 'hot state'): unknown {
  if (err instanceof ServiceUnavailableError) return err;
  if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new ServiceUnavailableError(`${store} unavailable`, 'unavailable', { reason });
}

/** Awaits `op`, mapping its failure with mapRedisError. */
export async function guardRedis<T>(op: Promise<T>, store?: string): Promise<T> {
  try {
    return await op;
  } catch (err) {
    throw mapRedisError(err, store);
  }
}

/** The raw client and the key prefix it adds (keys built inside Lua need it by hand). */
export function redisOf(hot: HotState): { redis: Redis; prefix: string } {
  if (!hot.redis) throw new Error('this store needs the Redis hot-state engine');
  return { redis: hot.redis, prefix: hot.redis.options.keyPrefix ?? '' };
}
