// Picks the hot state engine: Redis when a URL is configured (REDIS_URL),
// otherwise in-process memory.
import type { HandlerErrorHook, HotState } from './hot-state.js';
import { openMemoryHotState } from './hot-state.memory.js';
import { openRedisHotState } from './hot-state.redis.js';

export interface OpenHotStateOptions {
  /** REDIS_URL (redis:// or rediss://, standalone); when set (non-empty) the engine is Redis. */
  redisUrl?: string;
  /** Prefix for every key and channel, e.g. 'bamboo:sandglass:'. Unused in memory. */
  keyPrefix: string;
  /** Called when a subscriber's handler throws. */
  onHandlerError?: HandlerErrorHook;
}

export async function openHotState(options: OpenHotStateOptions): Promise<HotState> {
  const hooks = options.onHandlerError ? { onHandlerError: options.onHandlerError } : {};
  if (options.redisUrl) return openRedisHotState({ url: options.redisUrl, keyPrefix: options.keyPrefix, ...hooks });
  return openMemoryHotState(hooks);
}
