// Accepting a message: the user's danmaku (length, villa's mute/ban), and
// internal room or global broadcasts. Each gets the room's next sequence
// number and a server timestamp from the bus.
import { ForbiddenError, ValidationError } from '@bamboo/kit';
import type { Draft, MessageType, Priority, RoomBus, RoomMessage } from '../stores/room-bus.js';
import { GLOBAL_ROOM } from '../stores/room-bus.js';
import type { RoomCatalog } from './rooms.js';

/** Room ids as villa makes them; also keeps keys and channel names tidy. */
export const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface SendDeps {
  bus: RoomBus;
  rooms: RoomCatalog;
  maxTextChars: number;
}

/** The text as it will be shown, or a ValidationError saying what is wrong. */
export function checkText(text: string, maxChars: number): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ValidationError('json.text: danmaku text is empty');
  // Count characters (code points), not UTF-16 units: an emoji is one.
  const chars = [...trimmed].length;
  if (chars > maxChars) throw new ValidationError(`json.text: ${chars} characters, at most ${maxChars} allowed`);
  return trimmed;
}

export interface UserSend {
  roomId: string;
  uid: string;
  text: string;
  color?: string;
  idempotencyKey?: string;
}

export async function sendDanmaku(deps: SendDeps, send: UserSend): Promise<RoomMessage> {
  const text = checkText(send.text, deps.maxTextChars);
  const permission = await deps.rooms.sendPermission(send.roomId, send.uid);
  if (!permission.allowed) {
    const reason = permission.reason ?? 'not_allowed';
    const until = permission.until ? ` until ${new Date(permission.until).toISOString()}` : '';
    throw new ForbiddenError(`you may not send in room ${send.roomId}: ${reason}${until}`, reason);
  }
  const draft: Draft = {
    type: 'chat',
    priority: 'normal',
    body: { text, ...(send.color ? { color: send.color } : {}) },
    from: send.uid,
    ...(send.idempotencyKey ? { idempotencyKey: `user:${send.uid}:${send.idempotencyKey}` } : {}),
  };
  return (await deps.bus.publish(send.roomId, draft)).message;
}

export interface Broadcast {
  type: MessageType;
  priority: Priority;
  body: Record<string, unknown>;
  idempotencyKey: string;
}

/** A service's message to one room, or to every room with GLOBAL_ROOM. */
export async function broadcast(bus: RoomBus, room: string, message: Broadcast): Promise<RoomMessage> {
  if (room !== GLOBAL_ROOM && !ROOM_ID.test(room)) throw new ValidationError('json.roomId: not a room id');
  const { message: published } = await bus.publish(room, {
    type: message.type,
    priority: message.priority,
    body: message.body,
    idempotencyKey: `svc:${message.idempotencyKey}`,
  });
  return published;
}
