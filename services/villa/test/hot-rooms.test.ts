import { openHotState } from '@bamboo/engines';
import { deleteRedisKeys, describeRedis, uniquePrefix } from '@bamboo/testing';
import { describe, expect, it } from 'vitest';
import { HOT_OPTIONS, hotRoomsContract } from '../src/stores/hot-rooms.contract.js';
import { openMemoryHotRooms } from '../src/stores/hot-rooms.memory.js';
import { openRedisHotRooms } from '../src/stores/hot-rooms.redis.js';

hotRoomsContract('memory', async () => ({ hot: openMemoryHotRooms(HOT_OPTIONS), close: async () => undefined }));

describeRedis('redis hot rooms', (url) => {
  hotRoomsContract('redis', async () => {
    const prefix = uniquePrefix('villa-hot');
    const state = await openHotState({ redisUrl: url, keyPrefix: prefix });
    return {
      hot: openRedisHotRooms(state.redis!, HOT_OPTIONS),
      close: async () => {
        await state.close();
        await deleteRedisKeys(url, prefix);
      },
    };
  });

  describe('when Redis does not answer', () => {
    it('fails promptly with a 503 error', async () => {
      // A port nothing listens on: every call must fail fast as unavailable.
      const state = await openHotState({ redisUrl: 'redis://127.0.0.1:1', keyPrefix: uniquePrefix('villa-down') });
      const hot = openRedisHotRooms(state.redis!, HOT_OPTIONS);
      await expect(hot.setViewers('a', 1, Date.now())).rejects.toMatchObject({ status: 503 });
      await state.close();
    });
  });
});
