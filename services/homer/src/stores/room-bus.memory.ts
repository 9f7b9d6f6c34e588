// One-node room bus: everything in this process. Handlers run on a later
// microtask, like Redis pub/sub, never inside publish().
import type { Draft, Published, RoomBus, RoomBusOptions, RoomMessage, Since } from './room-bus.js';
import { selectSince, targetOf } from './room-bus.js';

interface Room {
  seq: number;
  history: RoomMessage[];
  handlers: Set<(message: RoomMessage) => void>;
}

export function createMemoryRoomBus(options: RoomBusOptions): RoomBus {
  const rooms = new Map<string, Room>();
  const idempotency = new Map<string, { message: RoomMessage; expiresAt: number }>();

  const room = (id: string): Room => {
    let r = rooms.get(id);
    if (!r) rooms.set(id, (r = { seq: 0, history: [], handlers: new Set() }));
    return r;
  };

  return {
    async publish(roomId: string, draft: Draft): Promise<Published> {
      const now = Date.now();
      const idemKey = draft.idempotencyKey === undefined ? undefined : `${roomId}\u0000${draft.idempotencyKey}`;
      if (idemKey) {
        const seen = idempotency.get(idemKey);
        if (seen && seen.expiresAt > now) return { message: seen.message, duplicate: true };
      }
      const r = room(roomId);
      const message: RoomMessage = {
        room: roomId,
        seq: ++r.seq,
        ts: now,
        type: draft.type,
        priority: draft.priority,
        body: draft.body,
        ...(draft.from === undefined ? {} : { from: draft.from }),
        ...targetOf(draft),
      };
      r.history.push(message);
      const oldest = now - options.historyTtlMs;
      while (r.history.length > options.historySize || (r.history[0] && r.history[0].ts < oldest)) r.history.shift();
      if (idemKey) {
        idempotency.set(idemKey, { message, expiresAt: now + options.idempotencyTtlMs });
        for (const [key, entry] of idempotency) if (entry.expiresAt <= now) idempotency.delete(key);
      }
      for (const handler of r.handlers) queueMicrotask(() => r.handlers.has(handler) && handler(message));
      return { message, duplicate: false };
    },

    async subscribe(roomId, handler) {
      const own = (message: RoomMessage): void => handler(message);
      room(roomId).handlers.add(own);
      return async () => {
        rooms.get(roomId)?.handlers.delete(own);
      };
    },

    async since(roomId: string, afterSeq: number): Promise<Since> {
      const r = rooms.get(roomId);
      if (!r) return selectSince([], afterSeq, 0, 0);
      return selectSince(r.history, afterSeq, r.seq, Date.now() - options.historyTtlMs);
    },
  };
}
