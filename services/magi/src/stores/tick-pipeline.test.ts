import { Redis } from 'ioredis';
import { deleteRedisKeys, describeRedis, uniquePrefix } from '@bamboo/testing';
import { expect, it } from 'vitest';
import { TickPipeline } from './tick-pipeline.js';

describeRedis('TickPipeline', (redisUrl) => {
  it('sends the commands of one turn as one pipeline, in order, each with its own reply or error', async () => {
    const prefix = uniquePrefix('magi-tick');
    const redis = new Redis(redisUrl, { keyPrefix: prefix });
    const makePipeline = redis.pipeline.bind(redis);
    let pipelines = 0;
    redis.pipeline = ((...args: Parameters<Redis['pipeline']>) => (pipelines++, makePipeline(...args))) as Redis['pipeline'];
    const tick = new TickPipeline(redis);
    try {
      await redis.set('text', 'not a number');
      const counts = Array.from({ length: 20 }, () => tick.run<number>((p) => p.incr('n')));
      const wrong = tick.run<number>((p) => p.incr('text'));
      const results = await Promise.allSettled([...counts, wrong]);
      expect(pipelines).toBe(1);
      expect(results.slice(0, 20).map((r) => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      expect(results[20]).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('not an integer') } });
      expect(await tick.run<number>((p) => p.incr('n'))).toBe(21); // a later turn: its own pipeline
      expect(pipelines).toBe(2);
    } finally {
      redis.disconnect();
      await deleteRedisKeys(redisUrl, prefix);
    }
  });
});
