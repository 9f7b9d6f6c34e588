// Accepting a message: the user's danmaku (length, banned words, villa's
// mute/ban, the per-user rate), internal room or global broadcasts with a
// priority and a range, and unicast to one user through the inbox. Each room
// message gets the room's next sequence number and a server timestamp.
import { AppError, ValidationError } from '@bamboo/kit';
import type { Draft, MessageType, Priority, Range, RoomBus, RoomMessage, Target } from '../stores/room-bus.js';
import { GLOBAL_ROOM } from '../stores/room-bus.js';
import type { SendRate, RateLimit } from '../stores/send-rate.js';
import type { RoomCatalog } from './rooms.js';
import { applyBannedWords, type BannedWords } from './moderation.js';

/** Room ids as villa makes them; also keeps keys and channel names tidy. */
export const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** User ids as sandglass and villa accept them. */
export const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;

/** 429 with the wait, which the route turns into Retry-After. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterMs: number) {
    super(429, 'rate_limited', `sending too fast: try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs });
  }
}

export interface SendDeps {
  bus: RoomBus;
  rooms: RoomCatalog;
  sendRate: SendRate;
  maxTextChars: number;
  banned: BannedWords;
  rate: RateLimit;
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

/**
 * A user's danmaku, checked cheapest first: length, banned words, villa's
 * verdict (cached), then the rate, so a refused send never spends a token.
 */
export async function sendDanmaku(deps: SendDeps, send: UserSend): Promise<RoomMessage> {
  const text = applyBannedWords(checkText(send.text, deps.maxTextChars), deps.banned);
  const permission = await deps.rooms.sendPermission(send.roomId, send.uid);
  if (!permission.allowed) {
    const reason = permission.reason ?? 'not_allowed';
    const until = permission.until ?? null;
    const suffix = until ? ` until ${new Date(until).toISOString()}` : '';
    throw new AppError(403, reason, `you may not send in room ${send.roomId}: ${reason}${suffix}`, { reason, until });
  }
  const verdict = await deps.sendRate.take(`${send.uid}:${send.roomId}`, deps.rate);
  if (!verdict.allowed) throw new RateLimitedError(verdict.retryAfterMs);
  const draft: Draft = {
    type: 'chat',
    priority: 'normal',
    body: { text, ...(send.color ? { color: send.color } : {}) },
    from: send.uid,
    ...(send.idempotencyKey ? { idempotencyKey: `user:${send.uid}:${send.idempotencyKey}` } : {}),
  };
  return (await deps.bus.publish(send.roomId, draft)).message;
}

/** Gifts, system notices and moderation actions are high unless said otherwise; chat normal. */
export function defaultPriority(type: MessageType): Priority {
  return type === 'chat' ? 'normal' : 'high';
}

export interface Broadcast {
  type: MessageType;
  priority?: Priority | undefined;
  body: Record<string, unknown>;
  idempotencyKey: string;
  range?: Range | undefined;
  shard?: number | undefined;
  toUid?: string | undefined;
}

export interface BroadcastDeps {
  bus: RoomBus;
  rooms: RoomCatalog;
  shards: number;
}

/**
 * The room and the message's target in it, checked; the anchor is asked of
 * villa. `at` names the message in error messages (`json`, `json.messages[3]`).
 */
async function targetFor(deps: BroadcastDeps, room: string, message: Broadcast, at: string): Promise<Target> {
  if (room !== GLOBAL_ROOM && !ROOM_ID.test(room)) throw new ValidationError(`${at}.roomId: not a room id`);
  const range = message.range ?? 'room';
  if (range !== 'shard' && message.shard !== undefined) throw new ValidationError(`${at}.shard: only with range "shard"`);
  if (range !== 'user' && message.toUid !== undefined) throw new ValidationError(`${at}.toUid: only with range "user"`);
  if (range === 'room') return {};
  if (room === GLOBAL_ROOM) throw new ValidationError(`${at}.range: a global broadcast goes to every room`);
  switch (range) {
    case 'shard':
      if (message.shard === undefined || !Number.isInteger(message.shard) || message.shard < 0 || message.shard >= deps.shards) {
        throw new ValidationError(`${at}.shard: range "shard" needs a shard from 0 to ${deps.shards - 1}`);
      }
      return { range, shard: message.shard };
    case 'user':
      if (message.toUid === undefined || !USER_ID.test(message.toUid)) throw new ValidationError(`${at}.toUid: range "user" needs a user id`);
      return { range, to: message.toUid };
    case 'anchor':
      return { range, to: await deps.rooms.anchorOf(room) };
  }
}

/** A service's message to one room (or part of it), or to every room with GLOBAL_ROOM. */
export async function broadcast(deps: BroadcastDeps, room: string, message: Broadcast): Promise<RoomMessage> {
  const target = await targetFor(deps, room, message, 'json');
  return (await deps.bus.publish(room, draftOf(message, target))).message;
}

function draftOf(message: Broadcast, target: Target): Draft {
  return {
    type: message.type,
    priority: message.priority ?? defaultPriority(message.type),
    body: message.body,
    idempotencyKey: `svc:${message.idempotencyKey}`,
    ...target,
  };
}

/** A room broadcast as sent in a batch: the room with the message. */
export interface RoomBroadcast extends Broadcast {
  roomId: string;
}

/**
 * Many room broadcasts at once (magi's gifts under a burst): every message is
 * checked before any is published, so bad input changes nothing; then each
 * is published as by `broadcast` (its own sequence number and idempotency
 * key). If the store fails part-way, the caller retries the whole batch and
 * the keys keep the published ones from going out twice.
 */
export async function broadcastMany(deps: BroadcastDeps, messages: readonly RoomBroadcast[]): Promise<RoomMessage[]> {
  const targets = await Promise.all(messages.map((message, i) => targetFor(deps, message.roomId, message, `json.messages[${i}]`)));
  const published = await Promise.all(messages.map((message, i) => deps.bus.publish(message.roomId, draftOf(message, targets[i]!))));
  return published.map((p) => p.message);
}
