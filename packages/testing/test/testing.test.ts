import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  answersPing,
  deleteRedisKeys,
  describeRedis,
  freePort,
  startThrowawayRedis,
  testRedisUrl,
  uniquePrefix,
} from '../src/index.js';

describe('uniquePrefix', () => {
  it('is labelled, per-process and random', () => {
    const a = uniquePrefix('x');
    expect(a).toMatch(new RegExp(`^test:x:${process.pid}:[0-9a-f]{8}:$`));
    expect(uniquePrefix('x')).not.toBe(a);
  });
});

describe('freePort', () => {
  it('returns a port that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((r) => server.close(r));
  });
});

describe('testRedisUrl', () => {
  it('is memoized', () => {
    expect(testRedisUrl()).toBe(testRedisUrl());
  });

  it('gives a Redis that answers, or undefined only outside CI', async () => {
    const url = await testRedisUrl();
    if (url === undefined) expect(process.env.CI).not.toBe('true');
    else expect(await answersPing(url)).toBe(true);
  });

  it('reports nothing listening as not answering', async () => {
    expect(await answersPing('redis://127.0.0.1:1', 300)).toBe(false);
  });
});

describeRedis('describeRedis + deleteRedisKeys', (redisUrl) => {
  it('deletes only keys under the prefix', async () => {
    const prefix = uniquePrefix('testing');
    const other = uniquePrefix('testing');
    const client = new Redis(redisUrl);
    try {
      await client.mset(`${prefix}a`, '1', `${prefix}b`, '2', `${other}a`, '3');
      expect(await deleteRedisKeys(redisUrl, prefix)).toBe(2);
      expect(await client.exists(`${prefix}a`, `${prefix}b`)).toBe(0);
      expect(await client.get(`${other}a`)).toBe('3');
    } finally {
      await client.del(`${other}a`);
      client.disconnect();
    }
  });
});

const hasRedisServer = await (async () => {
  const { execFile } = await import('node:child_process');
  return new Promise<boolean>((r) => execFile('sh', ['-c', 'command -v redis-server'], (err) => r(!err)));
})();

describe.skipIf(!hasRedisServer)('startThrowawayRedis', () => {
  it('starts a redis-server on a free port and stops it', async () => {
    const redis = await startThrowawayRedis();
    expect(await answersPing(redis.url)).toBe(true);
    redis.stop();
    await expect.poll(() => answersPing(redis.url, 200), { timeout: 3000 }).toBe(false);
  });
});
