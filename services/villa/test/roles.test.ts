// Roles and permissions end to end: who may appoint, mute and ban whom, what
// send-permission answers, and the audit log of every change.
import { readJson } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVilla, type Running } from './harness.js';

let s: Running;
let roomId: string;
beforeAll(async () => {
  s = await startVilla();
  const cat = await readJson(await s.call('/v1/categories', { body: { name: 'Talk' }, scopes: ['villa:admin'] }));
  const opened = await readJson(await s.call('/v1/rooms', { as: 'anchor', body: { title: 'Roles', categoryId: cat.categoryId } }));
  roomId = opened.room.roomId;
});
afterAll(async () => s.close());

const put = (path: string, as: string, body?: unknown) => s.call(path, { method: 'PUT', as, ...(body ? { body } : {}) });
const del = (path: string, as: string) => s.call(path, { method: 'DELETE', as });
const permission = async (uid: string) => readJson(await s.internal(`/internal/rooms/${roomId}/send-permission/${uid}`, { caller: 'homer' }));

describe('roles in a room', () => {
  it('lets only the anchor appoint admins', async () => {
    const denied = await put(`/v1/rooms/${roomId}/admins/mod1`, 'viewer1');
    expect(denied.status).toBe(403);
    expect((await readJson(denied)).error.code).toBe('not_anchor');
    const ok = await put(`/v1/rooms/${roomId}/admins/mod1?reason=trusted`, 'anchor');
    expect(await readJson(ok)).toEqual({ roomId, uid: 'mod1', role: 'admin' });
    // An admin still cannot appoint others.
    expect((await put(`/v1/rooms/${roomId}/admins/mod2`, 'mod1')).status).toBe(403);
    const roles = await readJson(await s.call(`/v1/rooms/${roomId}/roles`, { as: 'mod1' }));
    expect(roles).toMatchObject({ anchorId: 'anchor', admins: ['mod1'], muted: [], banned: [] });
    expect((await s.call(`/v1/rooms/${roomId}/roles`, { as: 'viewer1' })).status).toBe(403);
  });

  it('lists the rooms a user manages', async () => {
    const managed = await readJson(await s.call('/v1/rooms/managed', { as: 'mod1' }));
    expect(managed.rooms.map((r: { roomId: string; role: string }) => [r.roomId, r.role])).toEqual([[roomId, 'admin']]);
    const mine = await readJson(await s.call('/v1/rooms/managed', { as: 'anchor' }));
    expect(mine.rooms[0]).toMatchObject({ roomId, role: 'anchor' });
    expect((await s.call('/v1/rooms/managed')).status).toBe(401);
  });

  it('lets admins mute and ban viewers, with expiry, and send-permission answers with reason and until', async () => {
    expect(await permission('troll')).toEqual({ allowed: true });
    const until = Date.now() + 3_600_000;
    const muted = await put(`/v1/rooms/${roomId}/mutes/troll`, 'mod1', { until, reason: 'spam' });
    expect(await readJson(muted)).toEqual({ roomId, uid: 'troll', kind: 'mute', until });
    expect(await permission('troll')).toEqual({ allowed: false, reason: 'muted', until });

    const banned = await readJson(await put(`/v1/rooms/${roomId}/bans/troll`, 'mod1', { reason: 'abuse' }));
    expect(banned.until).toBeNull();
    // A ban outranks a mute.
    expect(await permission('troll')).toEqual({ allowed: false, reason: 'banned', until: null });

    const lifted = await readJson(await del(`/v1/rooms/${roomId}/bans/troll?reason=appeal`, 'anchor'));
    expect(lifted).toMatchObject({ kind: 'ban', lifted: true });
    expect((await permission('troll')).reason).toBe('muted');
  });

  it('protects the anchor and admins from being sanctioned by admins', async () => {
    const onAnchor = await put(`/v1/rooms/${roomId}/bans/anchor`, 'mod1', {});
    expect(onAnchor.status).toBe(403);
    await put(`/v1/rooms/${roomId}/admins/mod2`, 'anchor');
    const onAdmin = await put(`/v1/rooms/${roomId}/mutes/mod2`, 'mod1', {});
    expect((await readJson(onAdmin)).error.code).toBe('target_is_admin');
    expect((await put(`/v1/rooms/${roomId}/mutes/x`, 'viewer1', {})).status).toBe(403);
    expect(await permission('anchor')).toEqual({ allowed: true });
  });

  it('rejects bad sanctions without changing anything', async () => {
    const past = await put(`/v1/rooms/${roomId}/mutes/late`, 'anchor', { until: 1000 });
    expect(past.status).toBe(400);
    const both = await put(`/v1/rooms/${roomId}/mutes/late`, 'anchor', { until: Date.now() + 1000, durationSeconds: 5 });
    expect(both.status).toBe(400);
    expect(await permission('late')).toEqual({ allowed: true });
    expect((await put('/v1/rooms/nope/mutes/late', 'anchor', {})).status).toBe(404);
    expect((await s.internal('/internal/rooms/nope/send-permission/u1')).status).toBe(404);
  });

  it('records every role change: who, whom, when, why', async () => {
    const res = await s.call(`/v1/rooms/${roomId}/audit?limit=100`, { as: 'anchor' });
    const { entries } = await readJson(res);
    const actions = entries.map((e: { actor: string; action: string; target: string }) => `${e.actor} ${e.action} ${e.target}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'anchor appoint_admin mod1',
        'mod1 mute troll',
        'mod1 ban troll',
        'anchor unban troll',
        'anchor appoint_admin mod2',
      ]),
    );
    const appoint = entries.find((e: { action: string; target: string }) => e.action === 'appoint_admin' && e.target === 'mod1');
    expect(appoint).toMatchObject({ reason: 'trusted', roomId });
    expect(typeof appoint.at).toBe('number');
    // Refused attempts left no trace.
    expect(actions.some((a: string) => a.startsWith('viewer1') || a.endsWith(' anchor'))).toBe(false);
    // Newest first.
    const times = entries.map((e: { at: number }) => e.at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('dismisses an admin, who then loses moderation rights; closed rooms refuse sending', async () => {
    await del(`/v1/rooms/${roomId}/admins/mod1`, 'anchor');
    expect((await put(`/v1/rooms/${roomId}/mutes/y`, 'mod1', {})).status).toBe(403);
    await s.call(`/v1/rooms/${roomId}/close`, { method: 'POST', as: 'anchor' });
    expect(await permission('anyone')).toEqual({ allowed: false, reason: 'room_closed' });
  });
});
