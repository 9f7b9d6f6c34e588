// Both presence adapters against the one contract suite.
import { deleteRedisKeys, describeRedis, uniquePrefix } from '@bamboo/testing';
import { Redis } from 'ioredis';
import { openMemoryPresence } from '../src/stores/presence.memory.js';
import { openRedisPresence } from '../src/stores/presence.redis.js';
import { presenceContract } from '../src/stores/presence.contract.js';

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
});
