// Redis going away under magi: calls that need it answer 503 promptly (never
// hang), /readyz says so, and once Redis is back (restarted from its AOF, as
// the README recommends) magi carries on by itself with nothing lost.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { answersPing, freePort, readJson, tempDir } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GIFT, call, fakeHomer, fakeVilla, startMagi, until, type RunningMagi } from './helpers.js';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!hasRedisServer && process.env.CI !== 'true')('Redis outage', () => {
  let redis: ChildProcess | undefined;
  let port: number;
  let redisDir: string;
  let dataDir: string;
  let running: RunningMagi;
  let villa: Awaited<ReturnType<typeof fakeVilla>>;
  let homer: Awaited<ReturnType<typeof fakeHomer>>;

  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    await until(() => answersPing(`redis://127.0.0.1:${port}`, 200), 'redis-server');
  };
  const stopRedis = async () => {
    const r = redis!;
    const exited = new Promise<void>((resolve) => r.once('exit', () => resolve()));
    r.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    port = await freePort();
    redisDir = await tempDir('magi-aof');
    dataDir = await tempDir('magi-outage');
    await startRedis();
    villa = await fakeVilla();
    homer = await fakeHomer();
    villa.rooms.set('r1', { roomId: 'r1', anchorId: 'a1', categoryId: 'music', live: false, sessionId: null, closed: false });
    running = await startMagi({ REDIS_URL: `redis://127.0.0.1:${port}`, DATA_DIR: dataDir, VILLA_URL: villa.url, HOMER_URL: homer.url });
    await call(running.url, '/v1/gifts/rose', { method: 'PUT', body: GIFT });
    await call(running.url, '/v1/gifts/shelves/music', { method: 'PUT', body: { items: [{ giftId: 'rose' }] } });
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    redis?.kill('SIGKILL');
    await Promise.all([villa?.close(), homer?.close()]);
    await rm(redisDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 while Redis is down and recovers with nothing lost when it returns', async () => {
    expect((await call(running.url, '/v1/wallets/topups', { body: { key: 'p1', uid: 'u1', amount: 100 } })).status).toBe(201);
    const sent = await readJson(await call(running.url, '/v1/gifts/sends', { uid: 'u1', body: { requestId: 'g1', roomId: 'r1', toUid: 'a1', giftId: 'rose', count: 2 } }));
    await stopRedis();

    const send = await call(running.url, '/v1/gifts/sends', { uid: 'u1', body: { requestId: randomUUID(), roomId: 'r1', toUid: 'a1', giftId: 'rose', count: 1 } });
    expect(send.status).toBe(503);
    expect((await readJson(send)).error.code).toBe('unavailable');
    expect((await call(running.url, '/v1/wallets/u1')).status).toBe(503);
    expect((await call(running.url, '/readyz')).status).toBe(503);

    await startRedis();
    await until(async () => (await call(running.url, '/readyz')).status === 200, 'magi ready again');
    const wallet = await readJson(await call(running.url, '/v1/wallets/u1'));
    expect(wallet).toMatchObject({ balance: 80, experience: 20 });
    const retry = await call(running.url, '/v1/gifts/sends', { uid: 'u1', body: { requestId: 'g1', roomId: 'r1', toUid: 'a1', giftId: 'rose', count: 2 } });
    expect(retry.status).toBe(200);
    expect((await readJson(retry))._id).toBe(sent._id);
    expect((await readJson(await call(running.url, '/internal/reconciliation', { method: 'POST' }))).ok).toBe(true);
  }, 60_000);
});
