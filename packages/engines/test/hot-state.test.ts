import { ServiceUnavailableError } from '@bamboo/kit';
import { deleteRedisKeys, describeRedis, uniquePrefix } from '@bamboo/testing';
import { describe, expect, it } from 'vitest';
import { openHotState } from '../src/index.js';
import { hotStateContract } from './hot-state.contract.js';

hotStateContract('memory', async () => {
  const handlerErrors: unknown[] = [];
  const hot = await openHotState({ keyPrefix: 'unused:', onHandlerError: (e) => handlerErrors.push(e) });
  expect(hot.kind).toBe('memory');
  expect(hot.redis).toBeUndefined();
  return {
    hot,
    handlerErrors,
    harness: {
      openIsolated: () => openHotState({ keyPrefix: 'other:' }),
      destroy: async () => undefined,
    },
  };
});

describeRedis('on Redis', (redisUrl) => {
  hotStateContract('redis', async () => {
    const prefix = uniquePrefix('hot');
    const otherPrefix = uniquePrefix('hot-other');
    const handlerErrors: unknown[] = [];
    const hot = await openHotState({ redisUrl, keyPrefix: prefix, onHandlerError: (e) => handlerErrors.push(e) });
    expect(hot.kind).toBe('redis');
    return {
      hot,
      handlerErrors,
      harness: {
        openShared: () => openHotState({ redisUrl, keyPrefix: prefix }),
        openIsolated: () => openHotState({ redisUrl, keyPrefix: otherPrefix }),
        destroy: async () => {
          await deleteRedisKeys(redisUrl, prefix);
          await deleteRedisKeys(redisUrl, otherPrefix);
        },
      },
    };
  });

  describe('redis specifics', () => {
    it('exposes the prefixed command client for Lua adapters', async () => {
      const prefix = uniquePrefix('hot-client');
      const hot = await openHotState({ redisUrl, keyPrefix: prefix });
      try {
        const redis = hot.redis!;
        await redis.set('k', 'v');
        expect(await hot.get('k')).toBe('v');
        redis.defineCommand('testDouble', {
          numberOfKeys: 1,
          lua: "return redis.call('INCRBY', KEYS[1], 2 * tonumber(ARGV[1]))",
        });
        const double = (redis as unknown as { testDouble(k: string, n: number): Promise<number> }).testDouble;
        expect(await double.call(redis, 'n', 5)).toBe(10);
        expect(await hot.get('n')).toBe('10');
        expect(await deleteRedisKeys(redisUrl, prefix)).toBe(2);
      } finally {
        await hot.close();
      }
    });
  });
});

describe('redis when unreachable', () => {
  it('gives ServiceUnavailableError promptly from commands, subscribe and ping, without crashing', async () => {
    const hot = await openHotState({ redisUrl: 'redis://127.0.0.1:1', keyPrefix: uniquePrefix('down') });
    try {
      const started = Date.now();
      await expect(hot.get('k')).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(Date.now() - started).toBeLessThan(3000);
      await expect(hot.set('k', 'v', { ifAbsent: true })).rejects.toMatchObject({ status: 503 });
      await expect(hot.incrBy('k', 1, { ttlMs: 1000 })).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(hot.subscribe('c', () => undefined)).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(hot.ping()).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(Date.now() - started).toBeLessThan(3500);
      // Still failing fast while it keeps reconnecting in the background.
      await new Promise((r) => setTimeout(r, 1200));
      const again = Date.now();
      await expect(hot.get('k')).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(Date.now() - again).toBeLessThan(500);
    } finally {
      await hot.close();
    }
  });
});
