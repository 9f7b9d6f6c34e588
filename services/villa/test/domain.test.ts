// Domain functions without HTTP, with explicit clocks: popularity, stream
// keys, roles and expiry, live-status ordering with session records.
import { rm } from 'node:fs/promises';
import { loadConfig } from '@bamboo/kit';
import { openEngines, type Engines } from '@bamboo/engines';
import { tempDir } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configShape } from '../src/config.js';
import type { Villa } from '../src/rooms/deps.js';
import { setLive } from '../src/rooms/live.js';
import { openRoom, verifyStreamKey } from '../src/rooms/rooms.js';
import { hashStreamKey, newStreamKey } from '../src/rooms/stream-keys.js';
import { appointAdmin, roleOf, sanction, sendPermission } from '../src/roles/roles.js';
import { decay, popularity, scopesOf } from '../src/stores/hot-rooms.js';
import { openVilla } from '../src/villa.js';
import { KEY, sessionId } from './harness.js';

describe('popularity', () => {
  const w = { viewer: 1, gift: 0.5, danmaku: 2, halfLifeMs: 1000 };
  it('weighs viewers, gift heat and danmaku heat, rounding down', () => {
    expect(popularity(10, 3, 1.4, w)).toBe(Math.floor(10 + 1.5 + 2.8));
    expect(popularity(0, 0, 0, w)).toBe(0);
  });
  it('halves heat every half-life and never grows it backwards in time', () => {
    expect(decay(80, 1000, 1000)).toBe(40);
    expect(decay(80, 3000, 1000)).toBe(10);
    expect(decay(80, -5, 1000)).toBe(80);
  });
  it('lists a room under all, its category, each tag and category × tag', () => {
    expect(scopesOf('c1', ['a', 'b'])).toEqual(['all', 'c:c1', 't:a', 't:b', 'ct:c1:a', 'ct:c1:b']);
  });
});

describe('stream keys', () => {
  it('are long random secrets, stored only as their hash', () => {
    const a = newStreamKey('r1');
    const b = newStreamKey('r1');
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThan(30);
    expect(hashStreamKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashStreamKey(a)).not.toContain(a);
  });
});

describe('rooms, roles and live status over the stores', () => {
  let dir: string;
  let engines: Engines;
  let v: Villa;
  let roomId: string;
  const T = 1_760_000_000_000;
  beforeAll(async () => {
    dir = await tempDir('villa-domain');
    const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: KEY, DATA_DIR: dir });
    engines = await openEngines(config, 'villa');
    v = await openVilla(config, engines);
    const cat = await v.categories.create({ name: 'Domain', order: 0, hidden: false }, T);
    const opened = await openRoom(v, 'anchor', { title: 't', categoryId: cat._id, tags: [], notice: '', coverImageId: null }, T);
    roomId = opened.room.roomId;
    expect(await verifyStreamKey(v, opened.streamKey)).toEqual({ allowed: true, roomId, anchorId: 'anchor' });
  });
  afterAll(async () => {
    await engines.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a mute until its expiry and not a millisecond after', async () => {
    await sanction(v, 'anchor', roomId, 'u1', 'mute', { until: T + 60_000, reason: 'spam' }, T);
    expect(await sendPermission(v, roomId, 'u1', T + 59_999)).toEqual({ allowed: false, reason: 'muted', until: T + 60_000 });
    expect(await sendPermission(v, roomId, 'u1', T + 60_000)).toEqual({ allowed: true });
  });

  it('knows roles: anchor, admin, viewer', async () => {
    await appointAdmin(v, 'anchor', roomId, 'mod', 'helps', T);
    const room = await v.rooms.get(roomId);
    expect([roleOf(room, 'anchor'), roleOf(room, 'mod'), roleOf(room, 'x')]).toEqual(['anchor', 'admin', 'viewer']);
    await expect(sanction(v, 'mod', roomId, 'u2', 'ban', { until: T - 1, reason: '' }, T)).rejects.toMatchObject({ status: 400 });
  });

  it('applies live events newest-first whatever order they arrive in, recording sessions', async () => {
    const s1 = sessionId(T);
    const s2 = sessionId(T + 10_000);
    const events = [
      { sessionId: s2, live: true, at: T + 10_000 },
      { sessionId: s1, live: true, at: T },
      { sessionId: s1, live: false, at: T + 5_000 },
      { sessionId: s2, live: true, at: T + 10_000 },
    ];
    const applied = [];
    for (const e of events) applied.push((await setLive(v, roomId, e)).applied);
    expect(applied).toEqual([true, false, false, false]);
    const room = await v.rooms.get(roomId);
    expect(room).toMatchObject({ live: true, sessionId: s2, startedAt: T + 10_000 });
    expect(await v.sessions.list(roomId, 10)).toMatchObject([{ sessionId: s2, startedAt: T + 10_000, endedAt: null }]);
    expect((await v.hot.liveRooms('', 10))).toEqual([roomId]);
  });
});
