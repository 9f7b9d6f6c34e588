// Picks the presence adapter for the hot-state engine in use: Redis when
// REDIS_URL is set (shared by every process), memory otherwise.
import type { HotState } from '@bamboo/engines';
import { offlineAfterMs, type Config } from '../config.js';
import { DAY_MS } from '../presence/days.js';
import type { Clock } from '../presence/clock.js';
import type { PresenceStore } from './presence.js';
import { openMemoryPresence } from './presence.memory.js';
import { openRedisPresence } from './presence.redis.js';

export function openPresence(hot: HotState, clock: Clock, config: Config): PresenceStore {
  const threshold = offlineAfterMs(config);
  // Durations split a stretch at most once at midnight, so it must be shorter than a day.
  if (threshold >= DAY_MS) throw new Error('HEARTBEAT_INTERVAL_MS × OFFLINE_AFTER_MISSED + OFFLINE_GRACE_MS must be under a day');
  const options = {
    offlineAfterMs: threshold,
    eventsRetained: config.EVENTS_RETAINED,
    durationRetentionMs: config.DURATION_RETENTION_DAYS * DAY_MS,
    reapBatch: config.REAP_BATCH,
  };
  if (hot.kind === 'redis' && hot.redis) return openRedisPresence(hot.redis, clock, { ...options, shards: config.PRESENCE_SHARDS });
  return openMemoryPresence(clock, options);
}
