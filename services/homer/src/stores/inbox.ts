// The unicast inbox: messages to one user, kept until the user acks them
// (at least once), so a user who was offline gets them on connect.
//
// Guarantees every adapter gives:
// - `put` gives the user's next id (1, 2, 3 …, never reused while the inbox
//   is alive, and for 30 days after its last put) and keeps the message until
//   it is acked, expires (`expiresAt`) or is pushed out by `maxSize` newer
//   ones; it returns the stored message, whose JSON is what clients receive;
// - `load` returns the user's messages in id order and counts a delivery on
//   each; a message past its expiry, or already loaded `maxDeliveries` times,
//   is removed instead and counted (a client that never acks cannot make
//   itself reload it forever);
// - `ack` removes the given ids and says how many it removed and how many it
//   did not know (already acked, expired, never existed);
// - each call is atomic per user (Redis: one Lua script per call; keys of a
//   user share a hash tag);
// - a store that does not answer rejects with ServiceUnavailableError.
import type { MessageType, Priority } from './room-bus.js';

export interface UnicastDraft {
  type: MessageType;
  priority: Priority;
  body: Record<string, unknown>;
  from?: string;
  /** Epoch ms after which the message is dropped unacked. */
  expiresAt: number;
}

/** A unicast message as stored and as clients receive it (op 26). Without `id` it was not stored (persist: false). */
export interface UnicastMessage extends UnicastDraft {
  id?: number;
  uid: string;
  ts: number;
}

export interface Loaded {
  messages: UnicastMessage[];
  /** Removed by this load: past their expiry … */
  expired: number;
  /** … or loaded `maxDeliveries` times already. */
  capped: number;
}

export interface InboxOptions {
  maxSize: number;
  maxDeliveries: number;
}

export interface Inbox {
  /** Stores the message; `dropped` older ones were pushed out by maxSize. */
  put(uid: string, draft: UnicastDraft): Promise<{ message: UnicastMessage; json: string; dropped: number }>;
  load(uid: string): Promise<Loaded>;
  ack(uid: string, ids: readonly number[]): Promise<{ removed: number; unknown: number }>;
  /** Messages kept for the user (expired ones may still count until the next load). */
  size(uid: string): Promise<number>;
}

/** The stored JSON, fields in a fixed order; `id` first so it can be spliced in by a script. */
export function unicastJson(message: UnicastMessage): string {
  return JSON.stringify(message);
}

/** How long an id counter outlives the inbox's last put. */
export const ID_MEMORY_MS = 30 * 24 * 3600_000;
