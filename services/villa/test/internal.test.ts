// The /internal/* contracts trafficcop, homer and image build against, end to end over sockets.
import { readJson } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionId, startVilla, type Running } from './harness.js';

let s: Running;
let categoryId: string;
beforeAll(async () => {
  s = await startVilla();
  const res = await s.call('/v1/categories', { body: { name: 'Games' }, scopes: ['villa:admin'] });
  categoryId = (await readJson(res)).categoryId;
});
afterAll(async () => s.close());

async function openRoom(anchor: string) {
  const res = await s.call('/v1/rooms', { as: anchor, body: { title: `${anchor}'s room`, categoryId } });
  expect(res.status).toBe(201);
  return readJson(res) as Promise<{ room: { roomId: string; shortId: number }; streamKey: string }>;
}

describe('stream keys', () => {
  it('verifies a key in one call: the room and anchor it opens, or why not', async () => {
    const { room, streamKey } = await openRoom('sk-anchor');
    const ok = await s.internal('/internal/stream-keys/verify', { body: { streamKey } });
    expect(ok.status).toBe(200);
    expect(await readJson(ok)).toEqual({ allowed: true, roomId: room.roomId, anchorId: 'sk-anchor' });

    const withRoom = await s.internal('/internal/stream-keys/verify', { body: { streamKey, roomId: room.roomId } });
    expect((await readJson(withRoom)).allowed).toBe(true);
    const mismatch = await s.internal('/internal/stream-keys/verify', { body: { streamKey, roomId: 'other' } });
    expect(await readJson(mismatch)).toMatchObject({ allowed: false, reason: 'room_mismatch' });
    const unknown = await s.internal('/internal/stream-keys/verify', { body: { streamKey: 'live_nope' } });
    expect(unknown.status).toBe(200);
    expect(await readJson(unknown)).toEqual({ allowed: false, reason: 'unknown_key' });
  });

  it('rotating a key invalidates the old one at once; only the anchor may rotate', async () => {
    const { room, streamKey: old } = await openRoom('rot-anchor');
    const denied = await s.call(`/v1/rooms/${room.roomId}/stream-key`, { method: 'POST', as: 'someone-else' });
    expect(denied.status).toBe(403);
    const rotated = await s.call(`/v1/rooms/${room.roomId}/stream-key`, { method: 'POST', as: 'rot-anchor' });
    expect(rotated.status).toBe(200);
    const { streamKey: fresh } = await readJson(rotated);
    expect(fresh).not.toBe(old);
    const verify = async (streamKey: string) =>
      readJson(await s.internal('/internal/stream-keys/verify', { body: { streamKey } }));
    expect(await verify(old)).toEqual({ allowed: false, reason: 'unknown_key' });
    expect(await verify(fresh)).toMatchObject({ allowed: true, roomId: room.roomId });
  });

  it('refuses the key of a closed room', async () => {
    const { room, streamKey } = await openRoom('closing-anchor');
    expect((await s.call(`/v1/rooms/${room.roomId}/close`, { method: 'POST', as: 'closing-anchor' })).status).toBe(200);
    const res = await s.internal('/internal/stream-keys/verify', { body: { streamKey } });
    expect(await readJson(res)).toEqual({ allowed: false, reason: 'room_closed', roomId: room.roomId, anchorId: 'closing-anchor' });
  });

  it('answers 400 for a malformed body and 401 for an unsigned call', async () => {
    const bad = await s.internal('/internal/stream-keys/verify', { body: { key: 'x' } });
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).error.message).toContain('streamKey');
    const unsigned = await fetch(`${s.url}/internal/stream-keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streamKey: 'x' }),
    });
    expect(unsigned.status).toBe(401);
  });
});

describe('live status', () => {
  const T = 1_750_000_000_000;
  const live = (roomId: string, body: { sessionId: string; live: boolean; at: number }) =>
    s.internal(`/internal/rooms/${roomId}/live`, { body });

  it('marks live and offline idempotently, ignoring stale sessions and events', async () => {
    const { room } = await openRoom('live-anchor');
    const s1 = sessionId(T);
    const s2 = sessionId(T + 60_000);

    const on = await live(room.roomId, { sessionId: s1, live: true, at: T });
    expect(on.status).toBe(200);
    expect(await readJson(on)).toEqual({ roomId: room.roomId, live: true, sessionId: s1, startedAt: T, applied: true });
    // The same call again: nothing to apply, same state.
    expect(await readJson(await live(room.roomId, { sessionId: s1, live: true, at: T }))).toMatchObject({ applied: false, live: true });

    // A newer session starts before the old one's offline arrives.
    const on2 = await readJson(await live(room.roomId, { sessionId: s2, live: true, at: T + 60_000 }));
    expect(on2).toMatchObject({ live: true, sessionId: s2, startedAt: T + 60_000, applied: true });
    const lateOff = await readJson(await live(room.roomId, { sessionId: s1, live: false, at: T + 61_000 }));
    expect(lateOff).toEqual({ roomId: room.roomId, live: true, sessionId: s2, startedAt: T + 60_000, applied: false });

    // Out of order within one session: an older `at` never flips the newer state back.
    const off = await readJson(await live(room.roomId, { sessionId: s2, live: false, at: T + 120_000 }));
    expect(off).toMatchObject({ live: false, sessionId: s2, startedAt: null, applied: true });
    const staleOn = await readJson(await live(room.roomId, { sessionId: s2, live: true, at: T + 90_000 }));
    expect(staleOn).toMatchObject({ live: false, applied: false });

    const sessions = await readJson(await s.call(`/v1/rooms/${room.roomId}/sessions`));
    expect(sessions.sessions).toEqual([
      { sessionId: s2, startedAt: T + 60_000, endedAt: T + 120_000, peakViewers: 0 },
      // s1 never reported its end in order; s2 starting ended it.
      { sessionId: s1, startedAt: T, endedAt: T + 60_000, peakViewers: 0 },
    ]);
  });

  it('lists live rooms for reconciliation and answers 404 for an unknown room', async () => {
    const { room } = await openRoom('recon-anchor');
    const sid = sessionId(T);
    await live(room.roomId, { sessionId: sid, live: true, at: T });
    const res = await s.internal('/internal/rooms/live');
    expect(res.status).toBe(200);
    expect((await readJson(res)).rooms).toContainEqual({ roomId: room.roomId, sessionId: sid, startedAt: T });
    const unknown = await live('no-such-room', { sessionId: sid, live: true, at: T });
    expect(unknown.status).toBe(404);
    const bad = await live(room.roomId, { sessionId: sid, live: true, at: -1 } as never);
    expect(bad.status).toBe(400);
  });
});

describe('room lookups for services', () => {
  it('stores thumbnails and describes a room', async () => {
    const { room } = await openRoom('thumb-anchor');
    const put = await s.internal(`/internal/rooms/${room.roomId}/thumbnail`, { method: 'PUT', body: { imageId: 'img-1' } });
    expect(await readJson(put)).toEqual({ roomId: room.roomId, thumbnailImageId: 'img-1' });
    const got = await readJson(await s.internal(`/internal/rooms/${room.roomId}`, { caller: 'homer' }));
    expect(got).toEqual({
      roomId: room.roomId,
      anchorId: 'thumb-anchor',
      categoryId,
      shortId: room.shortId,
      title: "thumb-anchor's room",
      live: false,
      sessionId: null,
      closed: false,
    });
    expect((await readJson(await s.call(`/v1/rooms/${room.roomId}`))).thumbnailImageId).toBe('img-1');
    expect((await s.internal('/internal/rooms/nope/thumbnail', { method: 'PUT', body: { imageId: 'x' } })).status).toBe(404);
  });
});

describe('service routes', () => {
  it('documents every route in /openapi.json', async () => {
    const doc = await readJson(await fetch(`${s.url}/openapi.json`));
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/internal/stream-keys/verify',
      '/internal/rooms/{roomId}/live',
      '/internal/rooms/live',
      '/internal/rooms/{roomId}/thumbnail',
      '/internal/rooms/{roomId}/send-permission/{uid}',
      '/internal/rooms/{roomId}',
      '/v1/rooms',
      '/v1/rooms/{roomId}/mutes/{uid}',
      '/v1/categories',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
