// Hot fields over time: viewer counts pulled from sandglass, the index rebuilt
// from documents after a restart, and a down Redis answered with 503.
import { rm } from 'node:fs/promises';
import { createLogger, createServiceApp, createServiceClient, listen, z, createRoute } from '@bamboo/kit';
import { deleteRedisKeys, describeRedis, readJson, tempDir } from '@bamboo/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flushHot } from '../src/hot/flush.js';
import { rebuildIndexIfEmpty } from '../src/hot/rebuild.js';
import { pollViewers } from '../src/hot/viewers.js';
import { KEY, sessionId, startVilla, type Running } from './harness.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function started(env: Record<string, string> = {}): Promise<Running> {
  const s = await startVilla(env);
  closers.push(() => s.close());
  return s;
}

async function liveRoom(s: Running, anchor: string) {
  const cat = await readJson(await s.call('/v1/categories', { body: { name: `cat-${anchor}` }, scopes: ['villa:admin'] }));
  const { room } = await readJson(await s.call('/v1/rooms', { as: anchor, body: { title: anchor, categoryId: cat.categoryId } }));
  const T = Date.now();
  await s.internal(`/internal/rooms/${room.roomId}/live`, { body: { sessionId: sessionId(T), live: true, at: T } });
  return room.roomId as string;
}

/** A stand-in sandglass answering module counts, recording what it was asked. */
async function fakeSandglass(counts: Record<string, number>) {
  const asked: string[][] = [];
  const { app } = createServiceApp({ service: 'sandglass', logger: createLogger('sandglass', 'silent'), internalKey: KEY });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/modules/counts',
      request: { body: { content: { 'application/json': { schema: z.object({ modules: z.array(z.string()).max(500) }) } } } },
      responses: { 200: { description: 'counts', content: { 'application/json': { schema: z.object({ counts: z.record(z.string(), z.number()) }) } } } },
    }),
    (c) => {
      const { modules } = c.req.valid('json');
      asked.push(modules);
      return c.json({ counts: Object.fromEntries(modules.map((m) => [m, counts[m] ?? 0])) }, 200);
    },
  );
  const running = await listen('sandglass', app.fetch, { port: 0, host: '127.0.0.1' });
  closers.push(() => running.close(500));
  return { url: `http://127.0.0.1:${running.port}`, asked };
}

describe('viewer counts from sandglass', () => {
  it("sets each live room's viewers from its room:<id> module count", async () => {
    const s = await started();
    const a = await liveRoom(s, 'va');
    const b = await liveRoom(s, 'vb');
    const sandglass = await fakeSandglass({ [`room:${a}`]: 12, [`room:${b}`]: 5 });
    const client = createServiceClient({ target: 'sandglass', baseUrl: sandglass.url, caller: 'villa', internalKey: KEY });
    expect(await pollViewers(s.villa, client, Date.now())).toBe(2);
    expect(sandglass.asked).toEqual([[`room:${a}`, `room:${b}`].sort()]);
    expect((await readJson(await s.call(`/v1/rooms/${a}`))).viewers).toBe(12);
    const list = await readJson(await s.call('/v1/rooms'));
    expect(list.rooms.map((r: { roomId: string }) => r.roomId)).toEqual([a, b]);
  });
});

describe('restart on the embedded engines', () => {
  it('rebuilds the hot indexes from the documents, keeping flushed likes', async () => {
    const dir = await tempDir('villa-restart');
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const first = await startVilla({ DATA_DIR: dir });
    const roomId = await liveRoom(first, 'restarter');
    await first.call(`/v1/rooms/${roomId}/likes`, { as: 'fan', body: { count: 7 } });
    await first.internal(`/internal/rooms/${roomId}/viewers`, { method: 'PUT', body: { viewers: 30 } });
    await flushHot(first.villa, Date.now());
    await first.close();

    const second = await started({ DATA_DIR: dir });
    expect((await readJson(await second.call('/v1/rooms'))).rooms).toEqual([]);
    expect(await rebuildIndexIfEmpty(second.villa)).toBe(1);
    expect(await rebuildIndexIfEmpty(second.villa)).toBe(0);
    const list = await readJson(await second.call('/v1/rooms'));
    expect(list.rooms).toMatchObject([{ roomId, likes: 7, viewers: 30, live: true }]);
  });
});

describeRedis('after Redis lost its data', (url) => {
  it('rebuilds the indexes from the documents without a restart', async () => {
    const s = await started({ REDIS_URL: url });
    const roomId = await liveRoom(s, 'survivor');
    await rebuildIndexIfEmpty(s.villa);
    await s.call(`/v1/rooms/${roomId}/likes`, { as: 'fan', body: { count: 4 } });
    await flushHot(s.villa, Date.now());
    await deleteRedisKeys(url, s.config.REDIS_PREFIX);
    expect((await readJson(await s.call('/v1/rooms'))).rooms).toEqual([]);
    expect(await rebuildIndexIfEmpty(s.villa)).toBe(1);
    expect((await readJson(await s.call('/v1/rooms'))).rooms).toMatchObject([{ roomId, likes: 4, live: true }]);
  });
});

describe('when Redis is down', () => {
  it('answers 503 promptly, not a hang, and /readyz says so', async () => {
    const s = await started({ REDIS_URL: 'redis://127.0.0.1:1' });
    const list = await s.call('/v1/rooms');
    expect(list.status).toBe(503);
    expect((await readJson(list)).error.code).toBe('unavailable');
    expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
    // Room info in documents still answers.
    expect((await s.call('/v1/categories')).status).toBe(200);
  });
});
