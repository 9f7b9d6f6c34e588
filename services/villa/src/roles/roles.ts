// Roles in a room. The anchor owns the room and alone appoints or dismisses
// admins; admins and the anchor mute and ban. Nobody sanctions the anchor,
// and an admin cannot sanction another admin (the anchor can). Every change
// is written to the audit log: who, whom, when, why.
import { ForbiddenError, ValidationError } from '@bamboo/kit';
import type { Villa } from '../rooms/deps.js';
import type { Room } from '../stores/rooms.js';
import type { AuditAction, SanctionKind } from '../stores/roles.js';

export type Role = 'anchor' | 'admin' | 'viewer';

export function roleOf(room: Room, uid: string): Role {
  if (room.anchorId === uid) return 'anchor';
  return room.admins.includes(uid) ? 'admin' : 'viewer';
}

export async function appointAdmin(v: Villa, actor: string, roomId: string, uid: string, reason: string, now: number) {
  const room = await v.rooms.get(roomId);
  if (roleOf(room, actor) !== 'anchor') throw new ForbiddenError('only the anchor appoints admins', 'not_anchor');
  if (uid === room.anchorId) throw new ValidationError('the anchor cannot be an admin of their own room');
  await v.rooms.addAdmin(roomId, uid, now);
  await audit(v, roomId, actor, uid, 'appoint_admin', null, reason, now);
  return { roomId, uid, role: 'admin' as const };
}

export async function dismissAdmin(v: Villa, actor: string, roomId: string, uid: string, reason: string, now: number) {
  const room = await v.rooms.get(roomId);
  if (roleOf(room, actor) !== 'anchor') throw new ForbiddenError('only the anchor dismisses admins', 'not_anchor');
  await v.rooms.removeAdmin(roomId, uid, now);
  await audit(v, roomId, actor, uid, 'dismiss_admin', null, reason, now);
  return { roomId, uid, role: 'viewer' as const };
}

export interface SanctionInput {
  /** Epoch ms when it lapses; null: until lifted. */
  until: number | null;
  reason: string;
}

export async function sanction(
  v: Villa,
  actor: string,
  roomId: string,
  uid: string,
  kind: SanctionKind,
  input: SanctionInput,
  now: number,
) {
  const room = await moderated(v, actor, roomId, uid);
  if (input.until !== null && input.until <= now) throw new ValidationError('until must be in the future');
  await v.roles.sanction({ roomId: room._id, uid, kind, until: input.until, by: actor, reason: input.reason, at: now });
  await audit(v, roomId, actor, uid, kind, input.until, input.reason, now);
  return { roomId, uid, kind, until: input.until };
}

export async function lift(v: Villa, actor: string, roomId: string, uid: string, kind: SanctionKind, reason: string, now: number) {
  await moderated(v, actor, roomId, uid);
  const lifted = await v.roles.lift(roomId, uid, kind, now);
  if (lifted) await audit(v, roomId, actor, uid, kind === 'mute' ? 'unmute' : 'unban', null, reason, now);
  return { roomId, uid, kind, lifted };
}

export type SendVerdict =
  | { allowed: true }
  | { allowed: false; reason: 'muted' | 'banned' | 'room_closed'; until?: number | null };

/** May `uid` send danmaku in the room? A ban outranks a mute; the anchor and admins may always send. */
export async function sendPermission(v: Villa, roomId: string, uid: string, now: number): Promise<SendVerdict> {
  const room = await v.rooms.get(roomId);
  if (room.closed) return { allowed: false, reason: 'room_closed' };
  if (roleOf(room, uid) !== 'viewer') return { allowed: true };
  const active = await v.roles.active(roomId, uid, now);
  const ban = active.find((s) => s.kind === 'ban');
  if (ban) return { allowed: false, reason: 'banned', until: ban.until };
  const mute = active.find((s) => s.kind === 'mute');
  if (mute) return { allowed: false, reason: 'muted', until: mute.until };
  return { allowed: true };
}

/** The room's roles, for its anchor and admins. */
export async function rolesOf(v: Villa, actor: string, roomId: string, now: number) {
  const room = await managed(v, actor, roomId);
  const active = await v.roles.activeInRoom(roomId, now);
  const entry = (s: (typeof active)[number]) => ({ uid: s.uid, until: s.until, by: s.by, reason: s.reason, at: s.at });
  return {
    roomId,
    anchorId: room.anchorId,
    admins: room.admins,
    muted: active.filter((s) => s.kind === 'mute').map(entry),
    banned: active.filter((s) => s.kind === 'ban').map(entry),
  };
}

export async function auditLog(v: Villa, actor: string, roomId: string, limit: number, before?: number) {
  await managed(v, actor, roomId);
  const entries = await v.roles.history(roomId, limit, before);
  return entries.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
}

async function managed(v: Villa, actor: string, roomId: string): Promise<Room> {
  const room = await v.rooms.get(roomId);
  if (roleOf(room, actor) === 'viewer') throw new ForbiddenError('only the anchor and admins may do this', 'not_moderator');
  return room;
}

async function moderated(v: Villa, actor: string, roomId: string, target: string): Promise<Room> {
  const room = await managed(v, actor, roomId);
  const targetRole = roleOf(room, target);
  if (targetRole === 'anchor') throw new ForbiddenError('the anchor cannot be muted or banned', 'target_is_anchor');
  if (targetRole === 'admin' && roleOf(room, actor) !== 'anchor') {
    throw new ForbiddenError('only the anchor may sanction an admin', 'target_is_admin');
  }
  return room;
}

async function audit(
  v: Villa,
  roomId: string,
  actor: string,
  target: string,
  action: AuditAction,
  until: number | null,
  reason: string,
  at: number,
): Promise<void> {
  await v.roles.record({ roomId, actor, target, action, until, reason, at });
}
