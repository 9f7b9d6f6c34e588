// Memory per online user: fills one engine with N users (each in a room of
// 500 and a page) as a steady state holds them: two heartbeat rounds 30 s
// apart, a flush (on Redis a user's durations hash is written by then),
// and one more round (every user changed since that flush). Prints the
// growth per user. Memory engine: V8 heap after GC
// (run with --expose-gc); Redis engine: INFO used_memory on a fresh server.
// The transitions feed is a fixed-size buffer, not per user, so it is kept
// small here.
import { Redis } from 'ioredis';
import { ManualClock } from '../src/presence/clock.js';
import { DAY_MS } from '../src/presence/days.js';
import { openMemoryPresence } from '../src/stores/presence.memory.js';
import { openRedisPresence } from '../src/stores/presence.redis.js';
import type { Heartbeat, PresenceStore } from '../src/stores/presence.js';

const [engine, usersArg] = process.argv.slice(2);
const users = Number(usersArg);
const options = { offlineAfterMs: 65_000, eventsRetained: 1_000, durationRetentionMs: 35 * DAY_MS, reapBatch: 1_000 };
const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));

async function fill(store: PresenceStore): Promise<void> {
  for (let round = 0; round < 3; round++) {
    // What the flusher does (the records' writes left out).
    if (round === 2) while ((await store.takeChanged(10_000)).length > 0);
    for (let i = 0; i < users; i += 1000) {
      const beats: Heartbeat[] = [];
      for (let n = i; n < Math.min(users, i + 1000); n++) {
        beats.push({ uid: `user${n}`, source: 'app', modules: [`room:${n % 500}`, 'page:home'], platform: 'ios' });
      }
      await store.heartbeat(beats);
    }
    clock.advance(30_000);
  }
}

function heap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

let bytes: number;
if (engine === 'memory') {
  const store = openMemoryPresence(clock, options);
  const before = heap();
  await fill(store);
  bytes = heap() - before;
  // Keep the store reachable until measured.
  if ((await store.counts(['page:home']))['page:home'] !== users) throw new Error('fill failed');
} else {
  const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: 'bench:mem:' });
  const store = openRedisPresence(redis, clock, { ...options, shards: 16 });
  const before = await usedMemory(redis);
  await fill(store);
  bytes = (await usedMemory(redis)) - before;
  redis.disconnect();
}
process.stdout.write(`${JSON.stringify({ engine, users, bytesPerUser: bytes / users })}\n`);
