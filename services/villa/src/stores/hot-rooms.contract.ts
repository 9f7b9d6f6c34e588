// One suite every HotRooms adapter passes (memory always, Redis via describeRedis).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CursorExpiredError, popularity, type HotRooms, type HotRoomsOptions } from './hot-rooms.js';

export const HOT_OPTIONS: HotRoomsOptions = {
  weights: { viewer: 1, gift: 1, danmaku: 2, halfLifeMs: 60_000 },
  snapshotMs: 10_000,
  snapshotTtlMs: 60_000,
};

export interface HotRoomsFixture {
  hot: HotRooms;
  close(): Promise<void>;
}

export function hotRoomsContract(name: string, open: () => Promise<HotRoomsFixture>): void {
  describe(`HotRooms contract: ${name}`, () => {
    let fx: HotRoomsFixture;
    let hot: HotRooms;
    const T0 = 1_700_000_000_000;
    beforeEach(async () => {
      fx = await open();
      hot = fx.hot;
    });
    afterEach(async () => fx.close());

    let rev = 0;
    const live = (categoryId: string, tags: string[] = [], startedAt = T0) => ({ categoryId, tags, live: true, startedAt, card: `card:${categoryId}`, rev: ++rev });
    const offline = (categoryId: string, tags: string[] = []) => ({ categoryId, tags, live: false, startedAt: null, card: `card:${categoryId}`, rev: ++rev });
    const ids = async (scope: Parameters<HotRooms['list']>[0], now = T0) =>
      (await hot.list(scope, { offset: 0, limit: 100 }, now)).rooms.map((r) => r.roomId);

    it('updates of a room not indexed change nothing and return null', async () => {
      expect(await hot.setViewers('ghost', 5, T0)).toBeNull();
      expect(await hot.addLikes('ghost', 1, T0)).toBeNull();
      expect(await hot.fields(['ghost'])).toEqual([null]);
      expect(await hot.takeDirty(10)).toEqual([]);
    });

    it('keeps viewers, likes and popularity by the documented formula', async () => {
      await hot.index('r1', live('c1'));
      expect(await hot.setViewers('r1', 10, T0)).toEqual({ viewers: 10, likes: 0, popularity: 10 });
      expect(await hot.addLikes('r1', 3, T0)).toEqual({ viewers: 10, likes: 3, popularity: 10 });
      const afterHeat = await hot.addHeat('r1', { gift: 100, danmaku: 4 }, T0);
      expect(afterHeat?.popularity).toBe(popularity(10, 100, 4, HOT_OPTIONS.weights));
      // One half-life later the heat counts half.
      const later = await hot.setViewers('r1', 10, T0 + HOT_OPTIONS.weights.halfLifeMs);
      expect(later?.popularity).toBe(popularity(10, 50, 2, HOT_OPTIONS.weights));
      expect(await hot.fields(['r1', 'nope'])).toEqual([later, null]);
    });

    it('lists by category, tag and live state, sorted by popularity or start time', async () => {
      await hot.index('a', live('games', ['fps'], T0 + 1));
      await hot.index('b', live('games', [], T0 + 3));
      await hot.index('c', live('music', ['fps'], T0 + 2));
      await hot.index('d', offline('games', ['fps']));
      await hot.setViewers('a', 5, T0);
      await hot.setViewers('b', 50, T0);
      await hot.setViewers('c', 20, T0);
      await hot.setViewers('d', 99, T0);
      expect(await ids({ live: true, sort: 'popularity' })).toEqual(['b', 'c', 'a']);
      expect(await ids({ live: true, sort: 'started' })).toEqual(['b', 'c', 'a']);
      expect(await ids({ categoryId: 'games', live: true, sort: 'popularity' })).toEqual(['b', 'a']);
      expect(await ids({ tag: 'fps', live: true, sort: 'popularity' })).toEqual(['c', 'a']);
      expect(await ids({ categoryId: 'games', tag: 'fps', live: true, sort: 'popularity' })).toEqual(['a']);
      expect(await ids({ categoryId: 'games', live: false, sort: 'popularity' })).toEqual(['d']);
      // Each listed room comes with its card and current fields.
      const page = await hot.list({ categoryId: 'music', live: true, sort: 'popularity' }, { offset: 0, limit: 10 }, T0);
      expect(page.rooms).toEqual([{ roomId: 'c', card: 'card:music', fields: { viewers: 20, likes: 0, popularity: 20 } }]);
    });

    it('moves a room between live states and categories atomically, and drops it on unindex', async () => {
      await hot.index('a', live('games', ['fps']));
      await hot.setViewers('a', 7, T0);
      await hot.index('a', offline('music'));
      expect(await ids({ categoryId: 'games', live: true, sort: 'popularity' })).toEqual([]);
      expect(await ids({ tag: 'fps', live: true, sort: 'popularity' })).toEqual([]);
      expect(await ids({ live: true, sort: 'started' })).toEqual([]);
      expect(await ids({ categoryId: 'music', live: false, sort: 'popularity' })).toEqual(['a']);
      expect((await hot.fields(['a']))[0]?.viewers).toBe(7);
      expect(await hot.liveRooms('', 10)).toEqual([]);
      await hot.unindex('a', ++rev);
      expect(await ids({ live: false, sort: 'popularity' }, T0 + 20_000)).toEqual([]);
      expect(await hot.fields(['a'])).toEqual([null]);
    });

    it('pages through a frozen snapshot: no room twice, none skipped, while popularity moves', async () => {
      const all = Array.from({ length: 30 }, (_, i) => `r${String(i).padStart(2, '0')}`);
      for (const [i, id] of all.entries()) {
        await hot.index(id, live('c1'));
        await hot.setViewers(id, 100 + i, T0);
      }
      const scope = { categoryId: 'c1', live: true, sort: 'popularity' as const };
      const first = await hot.list(scope, { offset: 0, limit: 10 }, T0);
      expect(first.more).toBe(true);
      const firstIds = first.rooms.map((r) => r.roomId);
      // The last rooms of the first page shoot to the top, the top drops to the bottom.
      for (const id of firstIds.slice(5)) await hot.setViewers(id, 10_000, T0 + 1);
      for (const id of firstIds.slice(0, 5)) await hot.setViewers(id, 0, T0 + 1);
      const seen = [...firstIds];
      let offset = 10;
      for (;;) {
        const page = await hot.list(scope, { gen: first.gen, offset, limit: 10 }, T0 + 2);
        seen.push(...page.rooms.map((r) => r.roomId));
        offset += 10;
        if (!page.more) break;
      }
      expect(seen).toHaveLength(30);
      expect(new Set(seen).size).toBe(30);
      // A fresh first page in a later window sees the new order.
      const fresh = await hot.list(scope, { offset: 0, limit: 5 }, T0 + HOT_OPTIONS.snapshotMs * 2);
      expect(new Set(fresh.rooms.map((r) => r.roomId))).toEqual(new Set(firstIds.slice(5)));
    });

    it('leaves out of a page a room unindexed since its snapshot', async () => {
      for (const id of ['a', 'b', 'c']) await hot.index(id, live('c1'));
      const scope = { live: true, sort: 'popularity' as const };
      const first = await hot.list(scope, { offset: 0, limit: 1 }, T0);
      const rest = first.rooms[0]!.roomId === 'a' ? ['b', 'c'] : ['a', 'b', 'c'].filter((x) => x !== first.rooms[0]!.roomId);
      await hot.unindex(rest[0]!, ++rev);
      const second = await hot.list(scope, { gen: first.gen, offset: 1, limit: 2 }, T0 + 1);
      expect(second.rooms.map((r) => r.roomId)).toEqual([rest[1]]);
    });

    it('keeps the newest revision when index and unindex race', async () => {
      const newer = { ...live('games'), rev: 10 };
      await hot.index('a', newer);
      await hot.index('a', { ...offline('music'), rev: 9 });
      expect(await ids({ categoryId: 'games', live: true, sort: 'popularity' })).toEqual(['a']);
      expect(await ids({ categoryId: 'music', live: false, sort: 'popularity' })).toEqual([]);
      await hot.unindex('a', 8);
      expect(await hot.fields(['a'])).not.toEqual([null]);
      await hot.unindex('a', 11);
      // A late index made from the document before it was closed cannot bring the room back.
      await hot.index('a', { ...live('games'), rev: 10 });
      expect(await hot.fields(['a'])).toEqual([null]);
      expect(await ids({ categoryId: 'games', live: true, sort: 'popularity' }, T0 + 20_000)).toEqual([]);
      expect(await hot.setViewers('a', 5, T0)).toBeNull();
      await hot.index('a', { ...live('games'), rev: 12 });
      expect(await ids({ categoryId: 'games', live: true, sort: 'popularity' }, T0 + 40_000)).toEqual(['a']);
    });

    it('refuses a cursor whose snapshot expired', async () => {
      await hot.index('a', live('c1'));
      await hot.index('b', live('c1'));
      const first = await hot.list({ live: true, sort: 'popularity' }, { offset: 0, limit: 1 }, T0);
      await expect(
        hot.list({ live: true, sort: 'popularity' }, { gen: first.gen - 50, offset: 1, limit: 1 }, T0),
      ).rejects.toBeInstanceOf(CursorExpiredError);
    });

    it('hands each dirty room to one taker, and seeds fields only for a room without any', async () => {
      await hot.index('a', live('c1'), { viewers: 4, likes: 9 });
      expect((await hot.fields(['a']))[0]).toMatchObject({ viewers: 4, likes: 9 });
      await hot.index('a', live('c2'), { viewers: 1, likes: 1 });
      expect((await hot.fields(['a']))[0]).toMatchObject({ viewers: 4, likes: 9 });
      await hot.addLikes('a', 1, T0);
      const [x, y] = await Promise.all([hot.takeDirty(10), hot.takeDirty(10)]);
      expect([...x!, ...y!]).toEqual(['a']);
      await hot.markDirty(['a']);
      expect(await hot.takeDirty(10)).toEqual(['a']);
    });

    it('lists live rooms by id for polling', async () => {
      for (const id of ['c', 'a', 'b']) await hot.index(id, live('c1'));
      await hot.index('z', offline('c1'));
      expect(await hot.liveRooms('', 2)).toEqual(['a', 'b']);
      expect(await hot.liveRooms('b', 2)).toEqual(['c']);
    });

    it('remembers whether the index was built', async () => {
      expect(await hot.isBuilt()).toBe(false);
      await hot.markBuilt();
      expect(await hot.isBuilt()).toBe(true);
    });
  });
}
