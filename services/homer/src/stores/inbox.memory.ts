// One-node inbox: a map of users to their messages in id order.
import { ID_MEMORY_MS, type Inbox, type InboxOptions, type UnicastMessage } from './inbox.js';

interface Stored {
  message: UnicastMessage;
  json: string;
  deliveries: number;
}

interface Box {
  nextId: number;
  lastPut: number;
  items: Map<number, Stored>;
}

export function createMemoryInbox(options: InboxOptions, now: () => number = Date.now): Inbox {
  const boxes = new Map<string, Box>();
  let puts = 0;

  const sweep = (t: number) => {
    for (const [uid, box] of boxes) {
      for (const [id, item] of box.items) if (item.message.expiresAt <= t) box.items.delete(id);
      if (box.items.size === 0 && box.lastPut + ID_MEMORY_MS <= t) boxes.delete(uid);
    }
  };

  return {
    async put(uid, draft) {
      const t = now();
      // Users who never connect would otherwise keep expired messages for good.
      if (++puts % 1_000 === 0) sweep(t);
      let box = boxes.get(uid);
      if (!box) boxes.set(uid, (box = { nextId: 1, lastPut: t, items: new Map() }));
      box.lastPut = t;
      const message: UnicastMessage = { id: box.nextId++, uid, ts: t, ...draft };
      const json = JSON.stringify(message);
      box.items.set(message.id!, { message, json, deliveries: 0 });
      let dropped = 0;
      for (const id of box.items.keys()) {
        if (box.items.size <= options.maxSize) break;
        box.items.delete(id);
        dropped++;
      }
      return { message, json, dropped };
    },

    async load(uid) {
      const box = boxes.get(uid);
      const out = { messages: [] as UnicastMessage[], expired: 0, capped: 0 };
      if (!box) return out;
      const t = now();
      for (const [id, item] of box.items) {
        if (item.message.expiresAt <= t) {
          box.items.delete(id);
          out.expired++;
        } else if (item.deliveries >= options.maxDeliveries) {
          box.items.delete(id);
          out.capped++;
        } else {
          item.deliveries++;
          out.messages.push(item.message);
        }
      }
      return out;
    },

    async ack(uid, ids) {
      const box = boxes.get(uid);
      let removed = 0;
      for (const id of ids) if (box?.items.delete(id)) removed++;
      return { removed, unknown: ids.length - removed };
    },

    async size(uid) {
      return boxes.get(uid)?.items.size ?? 0;
    },
  };
}
