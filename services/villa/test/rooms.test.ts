// Rooms, categories, hot fields and lists end to end, on both hot engines.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { describeRedis, readJson } from '@bamboo/testing';
import { flushHot } from '../src/hot/flush.js';
import { sessionId, startVilla, type Running } from './harness.js';

function roomSuite(engine: string, env: () => Record<string, string>) {
  describe(`rooms on ${engine}`, () => {
    let s: Running;
    let games: string;
    let music: string;
    beforeAll(async () => {
      s = await startVilla(env());
      const admin = { scopes: ['villa:admin'] };
      games = (await readJson(await s.call('/v1/categories', { body: { name: 'Games', order: 2 }, ...admin }))).categoryId;
      music = (await readJson(await s.call('/v1/categories', { body: { name: 'Music', order: 1 }, ...admin }))).categoryId;
    });
    afterAll(async () => s.close());

    const open = async (anchor: string, body: Record<string, unknown>) => {
      const res = await s.call('/v1/rooms', { as: anchor, body: { title: anchor, categoryId: games, ...body } });
      expect(res.status).toBe(201);
      return (await readJson(res)).room as { roomId: string; shortId: number };
    };

    it('orders, renames and hides categories', async () => {
      const admin = { scopes: ['villa:admin'] };
      const list = async () => (await readJson(await s.call('/v1/categories'))).categories.map((c: { name: string }) => c.name);
      expect(await list()).toEqual(['Music', 'Games']);
      const hidden = (await readJson(await s.call('/v1/categories', { body: { name: 'Secret', hidden: true }, ...admin }))).categoryId;
      expect(await list()).toEqual(['Music', 'Games']);
      const patched = await s.call(`/v1/categories/${music}`, { method: 'PATCH', body: { name: 'Songs', order: 3 }, ...admin });
      expect(await readJson(patched)).toEqual({ categoryId: music, name: 'Songs', order: 3, hidden: false });
      expect(await list()).toEqual(['Games', 'Songs']);
      expect((await s.call('/v1/categories', { body: { name: 'X' }, as: 'user' })).status).toBe(403);
      expect((await s.call('/v1/categories', { body: { name: 'Games' }, ...admin })).status).toBe(409);
      expect((await s.call('/v1/categories/nope', { method: 'PATCH', body: { order: 1 }, ...admin })).status).toBe(404);
      const all = await readJson(await s.call('/v1/categories?includeHidden=true', admin));
      expect(all.categories.map((c: { categoryId: string }) => c.categoryId)).toContain(hidden);
      // Rooms cannot open in a hidden category.
      const res = await s.call('/v1/rooms', { as: 'h-anchor', body: { title: 't', categoryId: hidden } });
      expect(res.status).toBe(400);
      await s.call(`/v1/categories/${music}`, { method: 'PATCH', body: { name: 'Music' }, ...admin });
    });

    it('opens one room per anchor, findable by id, short number and anchor', async () => {
      const room = await open('alice', { tags: ['fps', 'fps'], notice: 'hi', coverImageId: 'img-c' });
      const byId = await readJson(await s.call(`/v1/rooms/${room.roomId}`));
      expect(byId).toMatchObject({ anchorId: 'alice', tags: ['fps'], notice: 'hi', coverImageId: 'img-c', live: false, viewers: 0 });
      expect((await readJson(await s.call(`/v1/rooms/short/${room.shortId}`))).roomId).toBe(room.roomId);
      expect((await readJson(await s.call('/v1/rooms/mine', { as: 'alice' }))).roomId).toBe(room.roomId);
      const second = await s.call('/v1/rooms', { as: 'alice', body: { title: 'again', categoryId: games } });
      expect(second.status).toBe(409);
      expect((await s.call('/v1/rooms/mine', { as: 'nobody' })).status).toBe(404);
      expect((await s.call('/v1/rooms/short/1')).status).toBe(404);
      const other = await open('alice2', {});
      expect(other.shortId).toBe(room.shortId + 1);
    });

    it('rejects bad rooms with a 4xx that names the problem, and changes nothing', async () => {
      const tooLong = await s.call('/v1/rooms', { as: 'bob', body: { title: 'x'.repeat(61), categoryId: games } });
      expect(tooLong.status).toBe(400);
      expect((await readJson(tooLong)).error.message).toContain('title');
      const tags = await s.call('/v1/rooms', { as: 'bob', body: { title: 't', categoryId: games, tags: ['a', 'b', 'c', 'd', 'e', 'f'] } });
      expect(tags.status).toBe(400);
      expect((await readJson(tags)).error.message).toContain('tags');
      const badTag = await s.call('/v1/rooms', { as: 'bob', body: { title: 't', categoryId: games, tags: ['a,b'] } });
      expect(badTag.status).toBe(400);
      const unknown = await s.call('/v1/rooms', { as: 'bob', body: { title: 't', categoryId: 'cnope' } });
      expect(unknown.status).toBe(404);
      expect((await s.call('/v1/rooms', { body: { title: 't', categoryId: games } })).status).toBe(401);
      expect((await s.call('/v1/rooms/mine', { as: 'bob' })).status).toBe(404);
    });

    it('edits a room (anchor only) and moves it between category lists', async () => {
      const room = await open('carol', { tags: ['chill'] });
      expect((await s.call(`/v1/rooms/${room.roomId}`, { method: 'PATCH', as: 'mallory', body: { title: 'pwned' } })).status).toBe(403);
      expect((await s.call(`/v1/rooms/${room.roomId}`, { method: 'PATCH', as: 'carol', body: {} })).status).toBe(400);
      const edited = await s.call(`/v1/rooms/${room.roomId}`, {
        method: 'PATCH',
        as: 'carol',
        body: { title: 'New title', categoryId: music, tags: ['jazz'] },
      });
      expect(await readJson(edited)).toMatchObject({ title: 'New title', categoryId: music, tags: ['jazz'] });
      const offline = await readJson(await s.call(`/v1/rooms?live=false&categoryId=${music}&tag=jazz`));
      expect(offline.rooms.map((r: { roomId: string }) => r.roomId)).toEqual([room.roomId]);
      const old = await readJson(await s.call(`/v1/rooms?live=false&tag=chill`));
      expect(old.rooms).toEqual([]);
    });

    it('counts likes, viewers and heat into popularity, and flushes them to the documents', async () => {
      const room = await open('dave', {});
      const T = Date.now();
      await s.internal(`/internal/rooms/${room.roomId}/live`, { body: { sessionId: sessionId(T), live: true, at: T } });
      const like = await s.call(`/v1/rooms/${room.roomId}/likes`, { as: 'fan', body: { count: 3 } });
      expect(await readJson(like)).toEqual({ roomId: room.roomId, likes: 3 });
      const viewers = await s.internal(`/internal/rooms/${room.roomId}/viewers`, { method: 'PUT', body: { viewers: 40 }, caller: 'homer' });
      expect(await readJson(viewers)).toEqual({ roomId: room.roomId, viewers: 40, popularity: 40 });
      const heat = await readJson(await s.internal(`/internal/rooms/${room.roomId}/heat`, { body: { gift: 100, danmaku: 5 }, caller: 'magi' }));
      expect(heat.popularity).toBeGreaterThanOrEqual(40 + 99 + 9);
      expect(await readJson(await s.call(`/v1/rooms/${room.roomId}`))).toMatchObject({ likes: 3, viewers: 40, live: true });

      await flushHot(s.villa, Date.now());
      const doc = await s.villa.rooms.get(room.roomId);
      expect(doc.hot).toMatchObject({ viewers: 40, likes: 3, popularity: heat.popularity });
      const { sessions } = await readJson(await s.call(`/v1/rooms/${room.roomId}/sessions`));
      expect(sessions[0].peakViewers).toBe(40);

      expect((await s.internal('/internal/rooms/nope/viewers', { method: 'PUT', body: { viewers: 1 } })).status).toBe(404);
      expect((await s.internal(`/internal/rooms/${room.roomId}/heat`, { body: {} })).status).toBe(400);
      expect((await s.call(`/v1/rooms/${room.roomId}/likes`, { as: 'fan', body: { count: 1000 } })).status).toBe(400);
    });

    it('lists live rooms by category and tag, by popularity or start time, with stable cursors', async () => {
      const T = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const room = await open(`streamer${i}`, { tags: i % 2 === 0 ? ['even'] : [] });
        await s.internal(`/internal/rooms/${room.roomId}/live`, { body: { sessionId: sessionId(T + i), live: true, at: T + i } });
        await s.internal(`/internal/rooms/${room.roomId}/viewers`, { method: 'PUT', body: { viewers: 1000 + i } });
        ids.push(room.roomId);
      }
      const page = async (query: string) => readJson(await s.call(`/v1/rooms?${query}`));
      const byPop = await page(`categoryId=${games}&limit=5`);
      expect(byPop.rooms.map((r: { roomId: string }) => r.roomId)).toEqual([...ids].reverse().slice(0, 5));
      expect(byPop.rooms[0]).toMatchObject({ live: true, viewers: 1011 });

      // Popularity moves between pages: the bottom rooms jump to the top.
      for (const id of ids.slice(0, 6)) await s.internal(`/internal/rooms/${id}/viewers`, { method: 'PUT', body: { viewers: 99_999 } });
      const seen = byPop.rooms.map((r: { roomId: string }) => r.roomId);
      let next = byPop.next;
      while (next) {
        const p = await page(`categoryId=${games}&limit=5&cursor=${next}`);
        seen.push(...p.rooms.map((r: { roomId: string }) => r.roomId));
        next = p.next;
      }
      expect(seen.filter((id: string) => ids.includes(id))).toHaveLength(12);
      expect(new Set(seen).size).toBe(seen.length);

      const byStart = await page(`sort=started&tag=even&limit=3`);
      const evens = ids.filter((_, i) => i % 2 === 0).reverse();
      expect(byStart.rooms.map((r: { roomId: string }) => r.roomId)).toEqual(evens.slice(0, 3));

      const cross = await s.call(`/v1/rooms?categoryId=${music}&cursor=${byPop.next}`);
      expect(cross.status).toBe(400);
      expect((await s.call('/v1/rooms?cursor=garbage')).status).toBe(400);
      expect((await s.call('/v1/rooms?live=false&sort=started')).status).toBe(400);
      expect((await s.call('/v1/rooms?limit=1000')).status).toBe(400);
      expect((await s.call('/v1/rooms?categoryId=cnope')).status).toBe(404);
    });

    it('drops closed rooms from lists and keeps their likes', async () => {
      const room = await open('erin', { tags: ['bye'] });
      await s.call(`/v1/rooms/${room.roomId}/likes`, { as: 'fan', body: { count: 2 } });
      expect((await s.call(`/v1/rooms/${room.roomId}/close`, { method: 'POST', as: 'mallory' })).status).toBe(403);
      const closed = await readJson(await s.call(`/v1/rooms/${room.roomId}/close`, { method: 'POST', as: 'erin' }));
      expect(closed).toMatchObject({ closed: true, likes: 2 });
      expect((await readJson(await s.call('/v1/rooms?live=false&tag=bye'))).rooms).toEqual([]);
      expect((await s.call(`/v1/rooms/${room.roomId}/likes`, { as: 'fan', body: { count: 1 } })).status).toBe(409);
      expect((await s.call(`/v1/rooms/${room.roomId}`, { method: 'PATCH', as: 'erin', body: { title: 'x' } })).status).toBe(409);
      expect((await readJson(await s.call(`/v1/rooms/${room.roomId}`))).likes).toBe(2);
    });
  });
}

roomSuite('the memory engine', () => ({}));
describeRedis('redis engine', (url) => roomSuite('the Redis engine', () => ({ REDIS_URL: url })));
