// Rooms: open, edit, close, look up by the mapping indexes, stream keys.
// Room info lives in documents; every change that affects lists is mirrored
// into the hot indexes (src/stores/hot-rooms.ts) right after the document.
import { randomBytes } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@bamboo/kit';
import { notFound, type Room, type RoomEdit } from '../stores/rooms.js';
import type { Villa } from './deps.js';
import { hashStreamKey, newStreamKey } from './stream-keys.js';
import { cardOf, roomView, type RoomView } from './view.js';

export interface NewRoom {
  title: string;
  categoryId: string;
  tags: string[];
  notice: string;
  coverImageId: string | null;
}

export async function openRoom(v: Villa, anchorId: string, input: NewRoom, now: number) {
  await requireListedCategory(v, input.categoryId);
  if (await v.rooms.byAnchor(anchorId)) throw new ConflictError(`user ${anchorId} already has a room`, 'anchor_has_room');
  const roomId = randomBytes(6).toString('hex');
  const streamKey = newStreamKey(roomId);
  const room: Room = {
    _id: roomId,
    anchorId,
    shortId: await v.rooms.nextShortId(v.rules.firstShortId),
    title: input.title,
    categoryId: input.categoryId,
    tags: unique(input.tags),
    notice: input.notice,
    coverImageId: input.coverImageId,
    thumbnailImageId: null,
    streamKeyHash: hashStreamKey(streamKey),
    admins: [],
    closed: false,
    live: false,
    sessionId: null,
    startedAt: null,
    liveAt: null,
    hot: { viewers: 0, likes: 0, popularity: 0, flushedAt: now },
    rev: 0,
    createdAt: now,
    updatedAt: now,
  };
  await v.rooms.insert(room);
  await reindex(v, room);
  return { room: roomView(room, null), streamKey };
}

export async function editRoom(v: Villa, actor: string, roomId: string, edit: RoomEdit, now: number): Promise<RoomView> {
  const room = await anchorsOpenRoom(v, actor, roomId);
  if (edit.categoryId !== undefined && edit.categoryId !== room.categoryId) await requireListedCategory(v, edit.categoryId);
  const set: Partial<Room> = { ...edit, updatedAt: now };
  if (edit.tags) set.tags = unique(edit.tags);
  const updated = (await v.rooms.update(roomId, set)) ?? room;
  await reindex(v, updated);
  return view(v, updated);
}

/** Closing is final: the room leaves every list and its stream key stops working. */
export async function closeRoom(v: Villa, actor: string, roomId: string, now: number): Promise<RoomView> {
  const room = await anchorsRoom(v, actor, roomId);
  const [hot] = await v.hot.fields([roomId]);
  const updated = (await v.rooms.update(roomId, { closed: true, updatedAt: now })) ?? room;
  if (hot) await v.rooms.saveHot(roomId, { ...hot, flushedAt: now });
  await v.hot.unindex(roomId, updated.rev);
  return roomView(updated, hot ?? null);
}

/** A new stream key; the previous one stops verifying with this write. */
export async function rotateStreamKey(v: Villa, actor: string, roomId: string, now: number) {
  await anchorsOpenRoom(v, actor, roomId);
  const streamKey = newStreamKey(roomId);
  await v.rooms.update(roomId, { streamKeyHash: hashStreamKey(streamKey), updatedAt: now });
  return { roomId, streamKey };
}

export type KeyVerdict =
  | { allowed: true; roomId: string; anchorId: string }
  | { allowed: false; reason: 'unknown_key' | 'room_closed' | 'room_mismatch'; roomId?: string; anchorId?: string };

export async function verifyStreamKey(v: Villa, streamKey: string, roomId?: string): Promise<KeyVerdict> {
  const room = await v.rooms.byStreamKeyHash(hashStreamKey(streamKey));
  if (!room) return { allowed: false, reason: 'unknown_key' };
  const who = { roomId: room._id, anchorId: room.anchorId };
  if (room.closed) return { allowed: false, reason: 'room_closed', ...who };
  if (roomId !== undefined && roomId !== room._id) return { allowed: false, reason: 'room_mismatch', ...who };
  return { allowed: true, ...who };
}

export async function getRoom(v: Villa, roomId: string): Promise<RoomView> {
  return view(v, await v.rooms.get(roomId));
}

export async function roomByShortId(v: Villa, shortId: number): Promise<RoomView> {
  const room = await v.rooms.byShortId(shortId);
  if (!room) throw new NotFoundError(`no room with short number ${shortId}`, 'room_not_found');
  return view(v, room);
}

export async function roomOfAnchor(v: Villa, anchorId: string): Promise<RoomView> {
  const room = await v.rooms.byAnchor(anchorId);
  if (!room) throw new NotFoundError(`user ${anchorId} has no room`, 'room_not_found');
  return view(v, room);
}

/** Rooms where `uid` is the anchor or an admin. */
export async function roomsManagedBy(v: Villa, uid: string): Promise<Array<RoomView & { role: 'anchor' | 'admin' }>> {
  const rooms = await v.rooms.managedBy(uid);
  const views = await roomViews(v, rooms);
  return views.map((r) => ({ ...r, role: r.anchorId === uid ? ('anchor' as const) : ('admin' as const) }));
}

export async function setThumbnail(v: Villa, roomId: string, imageId: string, now: number) {
  const room = await v.rooms.update(roomId, { thumbnailImageId: imageId, updatedAt: now });
  if (!room) throw notFound(roomId);
  await reindex(v, room);
  return { roomId, thumbnailImageId: imageId };
}

export async function like(v: Villa, roomId: string, count: number, now: number) {
  const fields = await v.hot.addLikes(roomId, count, now);
  if (!fields) throw (await v.rooms.find(roomId)) ? closed(roomId) : notFound(roomId);
  return { roomId, likes: fields.likes };
}

/** Puts the room's list-relevant fields into the hot indexes (or takes a closed room out). */
export async function reindex(v: Villa, room: Room): Promise<void> {
  if (room.closed) return v.hot.unindex(room._id, room.rev);
  await v.hot.index(
    room._id,
    {
      categoryId: room.categoryId,
      tags: room.tags,
      live: room.live,
      startedAt: room.startedAt,
      card: JSON.stringify(cardOf(room)),
      rev: room.rev,
    },
    { viewers: room.live ? room.hot.viewers : 0, likes: room.hot.likes },
  );
}

async function view(v: Villa, room: Room): Promise<RoomView> {
  const [hot] = await v.hot.fields([room._id]);
  return roomView(room, hot ?? null);
}

async function roomViews(v: Villa, rooms: Room[]): Promise<RoomView[]> {
  const hot = await v.hot.fields(rooms.map((r) => r._id));
  return rooms.map((r, i) => roomView(r, hot[i] ?? null));
}

async function anchorsRoom(v: Villa, actor: string, roomId: string): Promise<Room> {
  const room = await v.rooms.get(roomId);
  if (room.anchorId !== actor) throw new ForbiddenError('only the anchor may do this', 'not_anchor');
  return room;
}

async function anchorsOpenRoom(v: Villa, actor: string, roomId: string): Promise<Room> {
  const room = await anchorsRoom(v, actor, roomId);
  if (room.closed) throw closed(roomId);
  return room;
}

async function requireListedCategory(v: Villa, categoryId: string): Promise<void> {
  const category = await v.categories.get(categoryId);
  if (category.hidden) throw new ValidationError(`category ${categoryId} is hidden; choose a listed one`);
}

function closed(roomId: string): ConflictError {
  return new ConflictError(`room ${roomId} is closed`, 'room_closed');
}

function unique(tags: string[]): string[] {
  return [...new Set(tags)];
}
