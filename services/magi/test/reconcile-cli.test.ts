// The reconcile command (dist/reconcile.js) on Redis: no difference after real
// traffic, and a tampered counter or ranking is reported by name with exit 1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deleteRedisKeys, describeRedis, tempDir, uniquePrefix } from '@bamboo/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { GIFT, KEY, call, fakeVilla, startMagi } from './helpers.js';

// Each run starts a process on a possibly busy machine; nothing asserts on time.
vi.setConfig({ testTimeout: 90_000 });

const CLI = fileURLToPath(new URL('../dist/reconcile.js', import.meta.url));

describeRedis('reconcile command', (redisUrl) => {
  const prefix = uniquePrefix('magi-reconcile');
  let dir: string;
  let villa: Awaited<ReturnType<typeof fakeVilla>>;
  const env = () => ({ ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, DATA_DIR: dir, BAMBOO_INTERNAL_KEY: KEY, LOG_LEVEL: 'silent' });
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { env: env(), encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, report: JSON.parse(r.stdout) };
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('build magi first (npm run build -w services/magi): this test runs dist/reconcile.js');
    dir = await tempDir('magi-reconcile');
    villa = await fakeVilla();
    villa.rooms.set('r1', { roomId: 'r1', anchorId: 'a1', categoryId: 'music', live: true, sessionId: 's1', closed: false });
    const magi = await startMagi({ REDIS_URL: redisUrl, REDIS_PREFIX: prefix, DATA_DIR: dir, VILLA_URL: villa.url, MAGI_BROADCAST: 'off' });
    await call(magi.url, '/v1/gifts/rose', { method: 'PUT', body: GIFT });
    await call(magi.url, '/v1/gifts/shelves/music', { method: 'PUT', body: { items: [{ giftId: 'rose' }] } });
    await call(magi.url, '/v1/wallets/topups', { body: { key: 'p', uid: 'u1', amount: 500 } });
    for (let i = 0; i < 5; i++) {
      const res = await call(magi.url, '/v1/gifts/sends', { uid: 'u1', body: { requestId: `g${i}`, roomId: 'r1', toUid: 'a1', giftId: 'rose', count: 2 } });
      expect(res.status).toBe(201);
    }
    await magi.stop();
  }, 60_000);

  afterAll(async () => {
    await villa?.close();
    await deleteRedisKeys(redisUrl, prefix);
    await rm(dir, { recursive: true, force: true });
  });

  it('finds no difference after real traffic', () => {
    const { status, report } = run();
    expect(report).toMatchObject({ ok: true, entries: 6, differenceCount: 0 });
    expect(status).toBe(0);
  });

  it('names a tampered counter and ranking and exits 1', async () => {
    const redis = new Redis(redisUrl, { keyPrefix: `${prefix}magi:` });
    try {
      await redis.hincrby('wallet:balance', 'u1', 7);
      await redis.zincrby(`rank:room:r1:session:s1`, 1, 'u1');
    } finally {
      redis.disconnect();
    }
    const { status, report } = run();
    expect(status).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.differences).toEqual(
      expect.arrayContaining([
        { what: 'wallet:u1:balance', expected: 400, actual: 407 },
        { what: 'rank:room:r1:session:s1:u1', expected: 100, actual: 101 },
      ]),
    );
    expect(report.differenceCount).toBe(2);
  });

  it('rebuilds differing summaries from the ledger on request, and reports (never rewrites) wallets', () => {
    const repair = run('--repair-summaries');
    expect(repair.status).toBe(1);
    expect(repair.report.repaired).toEqual(['rank:room:r1:session:s1']);
    const after = run();
    expect(after.report.differences).toEqual([{ what: 'wallet:u1:balance', expected: 400, actual: 407 }]);
  });
});
