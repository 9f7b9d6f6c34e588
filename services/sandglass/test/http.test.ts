// The HTTP API end to end over a real socket, on both engines.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeRedis, readJson, signedInit, userIdentity } from '@bamboo/testing';
import { flushDurations } from '../src/presence/flush.js';
import { dayOf } from '../src/presence/days.js';
import { KEY, post, startSandglass, type Running } from './harness.js';

function apiSuite(engine: string, redisUrl?: string): void {
  describe(`HTTP API (${engine})`, () => {
    let s: Running;
    beforeEach(async () => {
      s = await startSandglass(redisUrl ? { redisUrl } : {});
    });
    afterEach(() => s.close());

    const beat = (uid: string, modules: string[] = [], platform = 'ios') =>
      post(`${s.url}/v1/presence/heartbeat`, { uid, modules, platform });
    const get = async (path: string) => readJson(await fetch(`${s.url}${path}`));
    const internal = (path: string, body?: unknown) => fetch(`${s.url}${path}`, signedInit(KEY, path, { body, caller: 'homer' }));

    it('records a heartbeat and answers with the server-chosen interval', async () => {
      const res = await beat('alice', ['room:42', 'page:home'], 'android');
      expect(res.status).toBe(200);
      expect(await readJson(res)).toEqual({ intervalMs: 30_000, offlineAfterMs: 65_000, accepted: 1 });
      expect(await get('/v1/presence/users/alice')).toEqual({
        uid: 'alice',
        online: true,
        since: s.clock.now(),
        lastSeen: s.clock.now(),
        modules: ['room:42', 'page:home'],
        platform: 'android',
      });
      expect(await get('/v1/presence/modules/room:42/count')).toEqual({ module: 'room:42', count: 1 });
    });

    it('takes batches, answers several users at once, and pages members', async () => {
      const heartbeats = Array.from({ length: 12 }, (_, i) => ({ uid: `u${String(i).padStart(2, '0')}`, modules: ['room:7'] }));
      const res = await post(`${s.url}/v1/presence/heartbeats`, { heartbeats });
      expect(await readJson(res)).toMatchObject({ accepted: 12 });
      const lookup = await readJson(await post(`${s.url}/v1/presence/users/lookup`, { uids: ['u00', 'nobody', 'u11'] }));
      expect(lookup.users.map((u: { uid: string; online: boolean }) => [u.uid, u.online])).toEqual([
        ['u00', true],
        ['nobody', false],
        ['u11', true],
      ]);
      const first = await get('/v1/presence/modules/room:7/members?limit=5');
      expect(first).toEqual({ module: 'room:7', members: ['u00', 'u01', 'u02', 'u03', 'u04'], next: 'u04' });
      const second = await get(`/v1/presence/modules/room:7/members?limit=5&cursor=${first.next}`);
      const third = await get(`/v1/presence/modules/room:7/members?limit=5&cursor=${second.next}`);
      expect(third).toEqual({ module: 'room:7', members: ['u10', 'u11'], next: null });
    });

    it('goes offline explicitly at once, and by timeout when the clock passes the threshold', async () => {
      await beat('alice', ['room:1']);
      await beat('bob', ['room:1']);
      s.clock.advance(10_000);
      expect(await readJson(await post(`${s.url}/v1/presence/offline`, { uid: 'alice' }))).toEqual({ uid: 'alice', wasOnline: true });
      expect(await get('/v1/presence/modules/room:1/count')).toEqual({ module: 'room:1', count: 1 });
      s.clock.advance(55_000);
      expect((await get('/v1/presence/users/bob')).online).toBe(false);
      expect(await get('/v1/presence/modules/room:1/count')).toEqual({ module: 'room:1', count: 0 });
    });

    it('reports durations per day and in total, from hot state and after a flush', async () => {
      await beat('alice');
      s.clock.advance(30_000);
      await beat('alice');
      await beat('alice');
      const today = dayOf(s.clock.now());
      expect(await get(`/v1/presence/users/alice/durations?day=${today}`)).toEqual({
        uid: 'alice',
        day: today,
        dayMs: 30_000,
        totalMs: 30_000,
      });
      expect(await flushDurations({ store: s.store, records: s.records, clock: s.clock, batch: 100 })).toBe(1);
      expect(await s.records.durations('alice')).toEqual({ [today]: 30_000 });
      expect(await get('/v1/presence/users/alice/durations?day=2026-01-01')).toMatchObject({ dayMs: 0, totalMs: 30_000 });
    });

    it("keeps each source's modules apart: homer's rooms and the app's pages do not overwrite each other", async () => {
      await beat('alice', ['page:home']); // no source: the app's
      const homer = await post(`${s.url}/v1/presence/heartbeats`, {
        heartbeats: [{ uid: 'alice', modules: ['room:42'], source: 'homer' }],
      });
      expect(await readJson(homer)).toMatchObject({ accepted: 1 });
      expect(await get('/v1/presence/users/alice')).toMatchObject({ modules: ['page:home', 'room:42'], platform: 'ios' });
      await beat('alice', []); // the app leaves its page; homer still has the room
      expect(await get('/v1/presence/modules/room:42/count')).toEqual({ module: 'room:42', count: 1 });
      expect(await get('/v1/presence/modules/page:home/count')).toEqual({ module: 'page:home', count: 0 });
      const refused = await post(`${s.url}/v1/presence/heartbeat`, { uid: 'bob', modules: ['room:1'], source: 'nobody' });
      expect(refused.status).toBe(400);
      expect((await readJson(refused)).error.message).toContain('json.source');
      const refusedBatch = await post(`${s.url}/v1/presence/heartbeats`, { heartbeats: [{ uid: 'bob', source: 'Homer' }] });
      expect((await readJson(refusedBatch)).error.message).toContain('json.heartbeats.0.source');
      expect((await get('/v1/presence/users/bob')).online).toBe(false);
    });

    it('refuses bad input with 400 naming the field, and records nothing', async () => {
      const cases: Array<[string, unknown, string]> = [
        ['/v1/presence/heartbeat', { modules: ['room:1'] }, 'json.uid'],
        ['/v1/presence/heartbeat', { uid: 'has space', modules: [] }, 'json.uid'],
        ['/v1/presence/heartbeat', { uid: 'x', modules: Array.from({ length: 17 }, (_, i) => `room:${i}`) }, 'json.modules'],
        ['/v1/presence/heartbeat', { uid: 'x', modules: ['room:1', 'Not A Module'] }, 'json.modules.1'],
        [
          '/v1/presence/heartbeats',
          { heartbeats: Array.from({ length: 1001 }, (_, i) => ({ uid: `b${i}`, modules: ['room:1'] })) },
          'json.heartbeats',
        ],
        ['/v1/presence/heartbeats', { heartbeats: [{ uid: 'ok', modules: ['room:1'] }, { uid: '' }] }, 'json.heartbeats.1.uid'],
        ['/v1/presence/users/lookup', { uids: Array.from({ length: 501 }, (_, i) => `u${i}`) }, 'json.uids'],
      ];
      for (const [path, body, field] of cases) {
        const res = await post(`${s.url}${path}`, body);
        expect(res.status, `${path} ${field}`).toBe(400);
        expect((await readJson(res)).error.message).toContain(field);
      }
      const badDay = await fetch(`${s.url}/v1/presence/users/alice/durations?day=2026-02-30`);
      expect(badDay.status).toBe(400);
      expect((await readJson(badDay)).error.message).toContain('query.day');
      const badModule = await fetch(`${s.url}/v1/presence/modules/nocolon/count`);
      expect((await readJson(badModule)).error.message).toContain('param.module');
      expect(await get('/v1/presence/modules/room:1/count')).toEqual({ module: 'room:1', count: 0 });
      expect((await get('/v1/presence/users/ok')).online).toBe(false);
      expect((await readJson(await internal('/internal/events'))).events).toEqual([]);
    });

    it('takes the largest valid batch, and refuses a longer body with 413 while reading it', async () => {
      const longest = (i: number) => ({
        uid: `${String(i).padStart(4, '0')}${'u'.repeat(60)}`,
        modules: Array.from({ length: 16 }, (_, m) => `${'k'.repeat(31)}${m % 10}:${'i'.repeat(96)}`),
        source: 'villa',
        platform: 'p'.repeat(16),
      });
      const heartbeats = Array.from({ length: 1000 }, (_, i) => longest(i));
      const res = await post(`${s.url}/v1/presence/heartbeats`, { heartbeats });
      expect(res.status).toBe(200);
      expect(await readJson(res)).toMatchObject({ accepted: 1000 });
      const padded = `${JSON.stringify({ heartbeats })}${' '.repeat(2_000_000)}`;
      const tooLong = await fetch(`${s.url}/v1/presence/heartbeats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: padded,
      });
      expect(tooLong.status).toBe(413);
    });

    it('lets an end user beat only for themselves', async () => {
      const path = '/v1/presence/heartbeat';
      const asUser = (uid: string) => signedInit(KEY, path, { body: { uid, modules: [] }, identity: userIdentity('alice') });
      expect((await fetch(`${s.url}${path}`, asUser('alice'))).status).toBe(200);
      const other = await fetch(`${s.url}${path}`, asUser('mallory'));
      expect(other.status).toBe(403);
      expect((await get('/v1/presence/users/mallory')).online).toBe(false);
      const offline = '/v1/presence/offline';
      const refused = await fetch(
        `${s.url}${offline}`,
        signedInit(KEY, offline, { body: { uid: 'bob' }, identity: userIdentity('alice') }),
      );
      expect(refused.status).toBe(403);
      // A server client (no end user) may speak for anyone.
      const server = signedInit(KEY, path, {
        body: { uid: 'bob', modules: [] },
        identity: { method: 'oauth', clientId: 'edge', scopes: [] },
      });
      expect((await fetch(`${s.url}${path}`, server)).status).toBe(200);
      expect((await get('/v1/presence/users/bob')).online).toBe(true);
    });

    it('serves module counts and the transitions feed to signed services only', async () => {
      await beat('alice', ['room:1', 'room:2']);
      s.clock.advance(1);
      await beat('bob', ['room:2']);
      expect((await fetch(`${s.url}/internal/events`)).status).toBe(401);
      const counts = await internal('/internal/modules/counts', { modules: ['room:1', 'room:2', 'room:3'] });
      expect(await readJson(counts)).toEqual({ counts: { 'room:1': 1, 'room:2': 2, 'room:3': 0 } });
      const page = await readJson(await internal('/internal/events?limit=3'));
      expect(page.events.map((e: { type: string; uid: string }) => `${e.type} ${e.uid}`)).toEqual([
        'online alice',
        'join alice',
        'join alice',
      ]);
      const rest = await readJson(await internal(`/internal/events?after=${encodeURIComponent(page.next)}`));
      expect(rest.events).toEqual([
        { cursor: expect.any(String), type: 'online', uid: 'bob', at: s.clock.now() },
        { cursor: rest.next, type: 'join', uid: 'bob', module: 'room:2', at: s.clock.now() },
      ]);
      const bad = await internal('/internal/events?after=garbage');
      expect(bad.status).toBe(400);
      expect((await readJson(bad)).error.message).toContain('query.after');
    });

    it('publishes /openapi.json with every route', async () => {
      const doc = await get('/openapi.json');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/presence/heartbeat',
          '/v1/presence/heartbeats',
          '/v1/presence/offline',
          '/v1/presence/users/{uid}',
          '/v1/presence/users/lookup',
          '/v1/presence/users/{uid}/durations',
          '/v1/presence/modules/{module}/count',
          '/v1/presence/modules/{module}/members',
          '/internal/modules/counts',
          '/internal/events',
        ]),
      );
    });
  });
}

apiSuite('memory');
describeRedis('redis engine', (url) => apiSuite('redis', url));
