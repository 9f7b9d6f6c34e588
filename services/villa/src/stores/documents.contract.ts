// One suite villa's document-store repositories pass on every document
// engine: embedded (nedb) always, MongoDB when MONGO_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentStore } from '@bamboo/engines';
import { CategoryStore } from './categories.js';
import { RoleStore } from './roles.js';
import { RoomStore, type Room } from './rooms.js';
import { SessionStore } from './sessions.js';

export interface DocsFixture {
  docs: DocumentStore;
  close(): Promise<void>;
}

export function room(id: string, anchorId: string, shortId: number, over: Partial<Room> = {}): Room {
  return {
    _id: id,
    anchorId,
    categoryId: 'c1',
    shortId,
    title: id,
    tags: [],
    notice: '',
    coverImageId: null,
    thumbnailImageId: null,
    streamKeyHash: `hash-${id}`,
    admins: [],
    closed: false,
    live: false,
    sessionId: null,
    startedAt: null,
    liveAt: null,
    hot: { viewers: 0, likes: 0, popularity: 0, flushedAt: 0 },
    rev: 0,
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}

export function documentStoresContract(name: string, open: () => Promise<DocsFixture>): void {
  describe(`villa document stores: ${name}`, () => {
    let fx: DocsFixture;
    let rooms: RoomStore;
    beforeEach(async () => {
      fx = await open();
      rooms = new RoomStore(fx.docs);
      await rooms.init();
    });
    afterEach(async () => fx.close());

    it('keeps anchor, short number and stream key each mapped to one room', async () => {
      await rooms.insert(room('r1', 'a1', 1));
      await expect(rooms.insert(room('r2', 'a1', 2, { streamKeyHash: 'h2' }))).rejects.toMatchObject({ status: 409 });
      await expect(rooms.insert(room('r3', 'a3', 1, { streamKeyHash: 'h3' }))).rejects.toThrow();
      await expect(rooms.insert(room('r4', 'a4', 4, { streamKeyHash: 'hash-r1' }))).rejects.toThrow();
      expect((await rooms.byAnchor('a1'))?._id).toBe('r1');
      expect((await rooms.byShortId(1))?._id).toBe('r1');
      expect((await rooms.byStreamKeyHash('hash-r1'))?._id).toBe('r1');
      expect(await rooms.find('r2')).toBeNull();
    });

    it('hands out each short number once, even to concurrent callers', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => rooms.nextShortId(100)));
      expect(new Set(ids).size).toBe(20);
      expect(Math.min(...ids)).toBe(100);
    });

    it('applies only newer live events, whatever order they land in', async () => {
      await rooms.insert(room('r1', 'a1', 1));
      const events = [
        { sessionId: 'b', live: true, at: 20 },
        { sessionId: 'a', live: true, at: 10 },
        { sessionId: 'b', live: false, at: 30 },
        { sessionId: 'a', live: false, at: 40 },
        { sessionId: 'b', live: true, at: 25 },
      ];
      await Promise.all(events.map((e) => rooms.applyLive('r1', e)));
      const final = await rooms.get('r1');
      expect(final).toMatchObject({ live: false, sessionId: 'b', liveAt: 30 });
      // Every applied event moved the revision on (two writes each: state, then startedAt).
      expect(final.rev).toBeGreaterThan(0);
      const again = await rooms.applyLive('r1', { sessionId: 'b', live: false, at: 30 });
      expect(again.applied).toBe(false);
      const next = await rooms.applyLive('r1', { sessionId: 'c', live: true, at: 50 });
      expect(next).toMatchObject({ applied: true, room: { live: true, sessionId: 'c', startedAt: 50 } });
      await expect(rooms.applyLive('nope', { sessionId: 'c', live: true, at: 50 })).rejects.toMatchObject({ status: 404 });
    });

    it('finds rooms a user manages and keeps admins a set', async () => {
      await rooms.insert(room('r1', 'a1', 1));
      await rooms.insert(room('r2', 'a2', 2, { streamKeyHash: 'h2', createdAt: 2 }));
      await rooms.addAdmin('r2', 'a1', 3);
      await rooms.addAdmin('r2', 'a1', 3);
      expect((await rooms.get('r2')).admins).toEqual(['a1']);
      expect((await rooms.managedBy('a1')).map((r) => r._id)).toEqual(['r2', 'r1']);
      await rooms.removeAdmin('r2', 'a1', 4);
      expect((await rooms.managedBy('a1')).map((r) => r._id)).toEqual(['r1']);
    });

    it('orders categories and refuses duplicate names', async () => {
      const categories = new CategoryStore(fx.docs);
      await categories.init();
      const b = await categories.create({ name: 'B', order: 1, hidden: false }, 1);
      await categories.create({ name: 'A', order: 2, hidden: false }, 2);
      await categories.create({ name: 'H', order: 0, hidden: true }, 3);
      await expect(categories.create({ name: 'B', order: 9, hidden: false }, 4)).rejects.toMatchObject({ status: 409 });
      expect((await categories.list(false)).map((c) => c.name)).toEqual(['B', 'A']);
      expect((await categories.list(true)).map((c) => c.name)).toEqual(['H', 'B', 'A']);
      await categories.update(b._id, { order: 5 });
      expect((await categories.list(false)).map((c) => c.name)).toEqual(['A', 'B']);
      await expect(categories.update('nope', { order: 1 })).rejects.toMatchObject({ status: 404 });
    });

    it('keeps one sanction per kind and user, never reports an expired one, and appends audit entries', async () => {
      const roles = new RoleStore(fx.docs);
      await roles.init();
      await roles.sanction({ roomId: 'r1', uid: 'u', kind: 'mute', until: 100, by: 'a', reason: 'x', at: 1 });
      await roles.sanction({ roomId: 'r1', uid: 'u', kind: 'mute', until: 200, by: 'a', reason: 'y', at: 2 });
      expect(await roles.active('r1', 'u', 150)).toMatchObject([{ kind: 'mute', until: 200, reason: 'y' }]);
      expect(await roles.active('r1', 'u', 200)).toEqual([]);
      expect(await roles.lift('r1', 'u', 'mute', 250)).toBe(false);
      await roles.sanction({ roomId: 'r1', uid: 'u', kind: 'ban', until: null, by: 'a', reason: '', at: 3 });
      expect(await roles.lift('r1', 'u', 'ban', 250)).toBe(true);
      for (const at of [1, 3, 2]) await roles.record({ roomId: 'r1', actor: 'a', target: 'u', action: 'mute', until: null, reason: '', at });
      expect((await roles.history('r1', 10)).map((e) => e.at)).toEqual([3, 2, 1]);
      expect((await roles.history('r1', 10, 3)).map((e) => e.at)).toEqual([2, 1]);
    });

    it('records a session once however often its start and end are told', async () => {
      const sessions = new SessionStore(fx.docs);
      await sessions.init();
      await sessions.ended('r1', 's1', 50);
      await sessions.started('r1', 's1', 10);
      await sessions.started('r1', 's1', 10);
      await sessions.peak('r1', 's1', 7);
      await sessions.peak('r1', 's1', 3);
      await sessions.started('r1', 's2', 60);
      expect(await sessions.list('r1', 10)).toMatchObject([
        { sessionId: 's2', startedAt: 60, endedAt: null, peakViewers: 0 },
        { sessionId: 's1', startedAt: 10, endedAt: 50, peakViewers: 7 },
      ]);
    });
  });
}
