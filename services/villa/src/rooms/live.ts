// Live status, set by trafficcop. Events carry a session id (its prefix is
// the start time, so ids sort by start) and the event time `at`; the room
// document takes an event only when it is newer than what it holds (see
// RoomStore.applyLive), so repeated or out-of-order calls never flip a newer
// state back. Each applied event also updates the session record and the hot
// indexes (live rooms are listed apart from offline ones).
import type { LiveEvent, Room } from '../stores/rooms.js';
import type { Villa } from './deps.js';
import { reindex } from './rooms.js';

export interface LiveState {
  roomId: string;
  live: boolean;
  sessionId: string | null;
  startedAt: number | null;
  applied: boolean;
}

export async function setLive(v: Villa, roomId: string, event: LiveEvent): Promise<LiveState> {
  const { applied, before, room } = await v.rooms.applyLive(roomId, event);
  if (applied && before) {
    await recordSessions(v, before, room, event);
    await reindex(v, room);
    if (!room.live) await v.hot.setViewers(roomId, 0, event.at);
  }
  return liveState(room, applied);
}

export async function liveRooms(v: Villa) {
  const rooms = await v.rooms.liveRooms();
  return rooms.map((r) => ({ roomId: r._id, sessionId: r.sessionId!, startedAt: r.startedAt! }));
}

async function recordSessions(v: Villa, before: Room, after: Room, event: LiveEvent): Promise<void> {
  // A newer session replaced one that never reported its end: that one ended now.
  if (before.sessionId && before.sessionId !== event.sessionId && before.live) {
    await v.sessions.ended(after._id, before.sessionId, event.at);
  }
  if (event.live && after.startedAt !== null && before.sessionId !== event.sessionId) {
    await v.sessions.started(after._id, event.sessionId, after.startedAt);
  }
  if (!event.live) await v.sessions.ended(after._id, event.sessionId, event.at);
}

function liveState(room: Room, applied: boolean): LiveState {
  return {
    roomId: room._id,
    live: room.live,
    sessionId: room.sessionId,
    startedAt: room.live ? room.startedAt : null,
    applied,
  };
}
