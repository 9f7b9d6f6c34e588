// The inbox contract every adapter passes (see inbox.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inbox, InboxOptions, UnicastDraft } from './inbox.js';

export interface InboxHarness {
  /** Two handles on the same inbox (two nodes on Redis; the same object in memory). */
  open(options: InboxOptions): Promise<{ a: Inbox; b: Inbox; close(): Promise<void> }>;
}

const draft = (n: number, ttlMs = 60_000): UnicastDraft => ({
  type: 'system',
  priority: 'high',
  body: { n },
  expiresAt: Date.now() + ttlMs,
});

export function inboxContract(name: string, harness: InboxHarness): void {
  describe(`inbox contract: ${name}`, () => {
    let a: Inbox;
    let b: Inbox;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ a, b, close } = await harness.open({ maxSize: 4, maxDeliveries: 2 }));
    });
    afterEach(async () => close());

    it('numbers a user 1, 2, 3 and loads in order, from any node', async () => {
      const before = Date.now();
      for (let i = 0; i < 3; i++) {
        const { message, json, dropped } = await a.put('u1', draft(i));
        expect(message).toMatchObject({ id: i + 1, uid: 'u1', body: { n: i }, type: 'system', priority: 'high' });
        expect(message.ts).toBeGreaterThanOrEqual(before);
        expect(JSON.parse(json)).toEqual(message);
        expect(dropped).toBe(0);
      }
      await b.put('u2', draft(9));
      const loaded = await b.load('u1');
      expect(loaded.messages.map((m) => m.body.n)).toEqual([0, 1, 2]);
      expect(loaded.messages.map((m) => m.id)).toEqual([1, 2, 3]);
      expect(await a.size('u1')).toBe(3);
      expect(await a.size('nobody')).toBe(0);
    });

    it('ack removes, and counts ids it does not know', async () => {
      await a.put('u1', draft(1));
      await a.put('u1', draft(2));
      expect(await b.ack('u1', [1, 77])).toEqual({ removed: 1, unknown: 1 });
      expect(await a.ack('u1', [1])).toEqual({ removed: 0, unknown: 1 });
      expect(await a.ack('nobody', [1])).toEqual({ removed: 0, unknown: 1 });
      expect((await a.load('u1')).messages.map((m) => m.id)).toEqual([2]);
      // ids keep counting after removals: an old ack can never hit a new message
      expect((await a.put('u1', draft(3))).message.id).toBe(3);
    });

    it('drops a message loaded maxDeliveries times without an ack', async () => {
      await a.put('u1', draft(1));
      expect((await a.load('u1')).messages).toHaveLength(1);
      expect((await b.load('u1')).messages).toHaveLength(1);
      expect(await a.load('u1')).toEqual({ messages: [], expired: 0, capped: 1 });
      expect(await a.size('u1')).toBe(0);
    });

    it('drops expired messages on load, and keeps at most maxSize (the oldest go)', async () => {
      await a.put('u1', draft(1, 1));
      await a.put('u1', draft(2));
      await new Promise((r) => setTimeout(r, 20));
      const loaded = await a.load('u1');
      expect(loaded.messages.map((m) => m.body.n)).toEqual([2]);
      expect(loaded.expired).toBe(1);
      let dropped = 0;
      for (let i = 3; i < 8; i++) dropped += (await a.put('u1', draft(i))).dropped;
      expect(dropped).toBe(2);
      expect((await b.load('u1')).messages.map((m) => m.body.n)).toEqual([4, 5, 6, 7]);
    });
  });
}
