// The room bus: per-room sequence numbers, recent history and fan-out to
// every gateway subscribed to the room. The global stream (every connection)
// is the room named GLOBAL_ROOM.
//
// Guarantees every adapter gives:
// - publish assigns the room's next sequence number (1, 2, 3, … never reused),
//   appends the message to the room's history and hands it to every
//   subscriber, as one atomic step per room: subscribers see a room's
//   messages in sequence order, and history never lacks a published message;
// - an idempotency key (per room) is published once: repeating it within the
//   idempotency TTL returns the first message with `duplicate: true` and
//   publishes nothing;
// - history keeps at most `historySize` messages, none older than
//   `historyTtlMs`; `since` reports `gap: true` when messages after the asked
//   sequence are no longer kept (the client missed some for good);
// - delivery to subscribers is at most once (a gateway not subscribed when a
//   message is published does not get it; it can read history);
// - a store that does not answer rejects with ServiceUnavailableError.

export const GLOBAL_ROOM = '*';

export type MessageType = 'chat' | 'gift' | 'system';
export type Priority = 'high' | 'normal' | 'low';
export const PRIORITIES = ['high', 'normal', 'low'] as const;
/** Who in the room gets a message: everyone (the default, no field), one shard, the anchor, one user. */
export type Range = 'room' | 'shard' | 'anchor' | 'user';
export const RANGES = ['room', 'shard', 'anchor', 'user'] as const;

/** Where a message goes inside its room; absent fields mean the whole room. */
export interface Target {
  range?: Exclude<Range, 'room'>;
  /** The shard, for range `shard`. */
  shard?: number;
  /** The user (for `anchor`, the room's anchor), for ranges `anchor` and `user`. */
  to?: string;
}

export interface Draft extends Target {
  type: MessageType;
  priority: Priority;
  body: Record<string, unknown>;
  /** The sending user, for chat. */
  from?: string;
  idempotencyKey?: string;
}

export interface RoomMessage extends Target {
  room: string;
  seq: number;
  /** Server time of acceptance, epoch ms. */
  ts: number;
  type: MessageType;
  priority: Priority;
  body: Record<string, unknown>;
  from?: string;
}

export interface Published {
  message: RoomMessage;
  duplicate: boolean;
}

export interface Since {
  messages: RoomMessage[];
  /** The room's latest sequence number (0 before its first message). */
  lastSeq: number;
  /** Some messages after the asked sequence are gone from history. */
  gap: boolean;
}

export interface RoomBusOptions {
  historySize: number;
  historyTtlMs: number;
  idempotencyTtlMs: number;
}

export interface RoomBus {
  publish(room: string, draft: Draft): Promise<Published>;
  /** Resolves once subscribed; `handler` gets the room's messages in order. */
  subscribe(room: string, handler: (message: RoomMessage) => void): Promise<() => Promise<void>>;
  /** Kept messages with seq > afterSeq, oldest first. */
  since(room: string, afterSeq: number): Promise<Since>;
}

/** The JSON of a message, fields in a fixed order (the bytes clients receive). */
export function messageJson(message: RoomMessage): string {
  return JSON.stringify(message);
}

/** The target fields of a draft, in the order messages carry them. */
export function targetOf(draft: Target): Target {
  if (draft.range === undefined) return {};
  return { range: draft.range, ...(draft.shard === undefined ? {} : { shard: draft.shard }), ...(draft.to === undefined ? {} : { to: draft.to }) };
}

/** History filtering shared by the adapters. */
export function selectSince(kept: RoomMessage[], afterSeq: number, lastSeq: number, oldestTs: number): Since {
  const fresh = kept.filter((m) => m.ts >= oldestTs);
  const messages = fresh.filter((m) => m.seq > afterSeq);
  // A client ahead of the room (sequence reset) or behind what is kept has a gap.
  const firstWanted = afterSeq + 1;
  const gap =
    afterSeq > lastSeq || (lastSeq > afterSeq && (messages.length === 0 || messages[0]!.seq > firstWanted));
  return { messages, lastSeq, gap };
}
