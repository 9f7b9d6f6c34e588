// Both presence adapters against the one contract suite.
import { describe, expect, it } from 'vitest';
import { deleteRedisKeys, describeRedis, uniquePrefix } from '@bamboo/testing';
import { Redis } from 'ioredis';
import { openMemoryPresence } from '../src/stores/presence.memory.js';
import { openRedisPresence } from '../src/stores/presence.redis.js';
import { CONTRACT_OPTIONS, presenceContract } from '../src/stores/presence.contract.js';
import { ManualClock } from '../src/presence/clock.js';
import { dayOf } from '../src/presence/days.js';

presenceContract('memory', async (clock, options) => ({
  store: openMemoryPresence(clock, options),
  close: async () => undefined,
}));

describeRedis('redis', (url) => {
  for (const shards of [1, 4]) {
    presenceContract(`redis, ${shards} shard(s)`, async (clock, options) => {
      const prefix = uniquePrefix('sandglass');
      const redis = new Redis(url, { keyPrefix: prefix });
      return {
        store: openRedisPresence(redis, clock, { ...options, shards }),
        close: async () => {
          redis.disconnect();
          await deleteRedisKeys(url, prefix);
        },
      };
    });
  }

  describe('redis: state written by the version that counted every heartbeat at once', () => {
    it("is read as is (its durations, its 'last'), and rewritten by the next heartbeat", async () => {
      const prefix = uniquePrefix('sandglass');
      const redis = new Redis(url, { keyPrefix: prefix });
      const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
      const T = CONTRACT_OPTIONS.offlineAfterMs;
      const t0 = clock.now();
      const day = dayOf(t0);
      try {
        // What that version left for alice, online since t0, last heard from at t0 + 30 s.
        await redis.hset('{s0}:u:alice', 'since', t0, 'last', t0 + 30_000, 'plat', 'ios', 's:app', `${t0 + 30_000} room:1`);
        await redis.hset('{s0}:d:alice', day, 30_000);
        await redis.zadd('{s0}:dl', t0 + 30_000 + T, 'alice app');
        await redis.zadd('{s0}:m:room:1', 0, 'alice');
        await redis.sadd('{s0}:mods', 'room:1');
        const store = openRedisPresence(redis, clock, { ...CONTRACT_OPTIONS, shards: 1 });
        clock.set(t0 + 40_000);
        expect((await store.status(['alice']))[0]).toMatchObject({ online: true, since: t0, lastSeen: t0 + 30_000, modules: ['room:1'] });
        expect(await store.durations('alice')).toEqual({ days: { [day]: 30_000 }, totalMs: 30_000 });
        await store.heartbeat([{ uid: 'alice', source: 'app', modules: ['room:1'] }]);
        expect(await redis.hget('{s0}:u:alice', 'last')).toBeNull();
        expect(await store.durations('alice')).toEqual({ days: { [day]: 40_000 }, totalMs: 40_000 });
        clock.advance(T);
        expect(await store.reap()).toBe(1);
        expect(await store.durations('alice')).toEqual({ days: { [day]: 40_000 }, totalMs: 40_000 });
      } finally {
        redis.disconnect();
        await deleteRedisKeys(url, prefix);
      }
    });
  });

  describe('redis: state written before sources existed', () => {
    it('is read as the source app: kept beside a new source, and reaped at its deadline', async () => {
      const prefix = uniquePrefix('sandglass');
      const redis = new Redis(url, { keyPrefix: prefix });
      const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
      const T = CONTRACT_OPTIONS.offlineAfterMs;
      const t0 = clock.now();
      try {
        // What the previous version's script left for alice in room:1 and page:home.
        await redis.hset('{s0}:u:alice', 'since', t0, 'last', t0, 'mods', 'room:1 page:home', 'plat', 'ios');
        await redis.zadd('{s0}:dl', t0 + T, 'alice');
        await redis.zadd('{s0}:m:room:1', 0, 'alice');
        await redis.zadd('{s0}:m:page:home', 0, 'alice');
        await redis.sadd('{s0}:mods', 'room:1', 'page:home');
        const store = openRedisPresence(redis, clock, { ...CONTRACT_OPTIONS, shards: 1 });
        expect((await store.status(['alice']))[0]).toMatchObject({ online: true, since: t0, modules: ['room:1', 'page:home'] });
        clock.advance(10_000);
        await store.heartbeat([{ uid: 'alice', source: 'homer', modules: ['room:2'] }]);
        expect(await store.counts(['room:1', 'page:home', 'room:2'])).toEqual({ 'room:1': 1, 'page:home': 1, 'room:2': 1 });
        clock.set(t0 + T);
        expect(await store.counts(['room:1', 'page:home', 'room:2'])).toEqual({ 'room:1': 0, 'page:home': 0, 'room:2': 1 });
        expect((await store.status(['alice']))[0]).toMatchObject({ online: true, modules: ['room:2'], platform: 'ios' });
        clock.advance(10_000);
        expect(await store.reap()).toBe(1);
        expect((await store.status(['alice']))[0]!.online).toBe(false);
        expect(await redis.zcard('{s0}:dl')).toBe(0);
      } finally {
        redis.disconnect();
        await deleteRedisKeys(url, prefix);
      }
    });
  });
});
