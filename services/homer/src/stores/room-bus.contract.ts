// The room-bus contract every adapter passes (see room-bus.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomBus, RoomBusOptions, RoomMessage } from './room-bus.js';

export interface BusHarness {
  /** Two handles on the same bus (two nodes on Redis; the same object in memory). */
  open(options: RoomBusOptions): Promise<{ a: RoomBus; b: RoomBus; close(): Promise<void> }>;
}

const options: RoomBusOptions = { historySize: 5, historyTtlMs: 60_000, idempotencyTtlMs: 60_000 };
const draft = (n: number) => ({ type: 'chat' as const, priority: 'normal' as const, body: { n } });

function collect(bus: RoomBus, room: string) {
  const got: RoomMessage[] = [];
  const waiters: Array<() => void> = [];
  const ready = bus.subscribe(room, (m) => {
    got.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (count: number) => {
    while (got.length < count) await new Promise<void>((r) => waiters.push(r));
    return got;
  };
  return { got, ready, until };
}

export function roomBusContract(name: string, harness: BusHarness): void {
  describe(`room bus contract: ${name}`, () => {
    let a: RoomBus;
    let b: RoomBus;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ a, b, close } = await harness.open(options));
    });
    afterEach(async () => close());

    it('numbers a room 1, 2, 3 and stamps server time', async () => {
      const before = Date.now();
      const seqs = [];
      for (let i = 0; i < 3; i++) seqs.push((await a.publish('r1', draft(i))).message.seq);
      expect(seqs).toEqual([1, 2, 3]);
      const { message } = await b.publish('r1', draft(4));
      expect(message.seq).toBe(4);
      expect(message.ts).toBeGreaterThanOrEqual(before);
      expect((await a.publish('other', draft(0))).message.seq).toBe(1);
    });

    it('delivers to subscribers on every handle in sequence order', async () => {
      const onA = collect(a, 'r2');
      const onB = collect(b, 'r2');
      await Promise.all([onA.ready, onB.ready]);
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).publish('r2', draft(i))));
      for (const got of [await onA.until(20), await onB.until(20)]) {
        expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      }
    });

    it('carries a message’s target (range, shard, to) to subscribers and history, and none for the whole room', async () => {
      const on = collect(b, 'r9');
      await on.ready;
      await a.publish('r9', draft(0));
      await a.publish('r9', { ...draft(1), range: 'shard', shard: 2 });
      await a.publish('r9', { ...draft(2), range: 'user', to: 'u1', from: 'svc' });
      const got = await on.until(3);
      expect(got.map((m) => [m.range, m.shard, m.to])).toEqual([
        [undefined, undefined, undefined],
        ['shard', 2, undefined],
        ['user', undefined, 'u1'],
      ]);
      expect(Object.keys(got[0]!)).toEqual(['room', 'seq', 'ts', 'type', 'priority', 'body']);
      expect((await b.since('r9', 0)).messages).toEqual(got);
    });

    it('stops delivering after unsubscribe', async () => {
      const seen: number[] = [];
      const unsubscribe = await a.subscribe('r3', (m) => seen.push(m.seq));
      const probe = collect(a, 'r3');
      await probe.ready;
      await unsubscribe();
      await b.publish('r3', draft(1));
      await probe.until(1);
      expect(seen).toEqual([]);
    });

    it('publishes an idempotency key once and returns the first message again', async () => {
      const sub = collect(b, 'r4');
      await sub.ready;
      const first = await a.publish('r4', { ...draft(1), idempotencyKey: 'gift-1' });
      const again = await b.publish('r4', { ...draft(2), idempotencyKey: 'gift-1' });
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ message: first.message, duplicate: true });
      await b.publish('r4', draft(3));
      expect((await sub.until(2)).map((m) => m.body.n)).toEqual([1, 3]);
    });

    it('keeps recent history and serves what came after a sequence number', async () => {
      for (let i = 1; i <= 4; i++) await a.publish('r5', draft(i));
      const since = await b.since('r5', 2);
      expect(since.messages.map((m) => m.seq)).toEqual([3, 4]);
      expect(since).toMatchObject({ lastSeq: 4, gap: false });
      expect(await a.since('r5', 4)).toEqual({ messages: [], lastSeq: 4, gap: false });
    });

    it('keeps at most historySize messages and reports a gap beyond them', async () => {
      for (let i = 1; i <= 8; i++) await a.publish('r6', draft(i));
      const all = await b.since('r6', 0);
      expect(all.messages.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
      expect(all.gap).toBe(true);
      expect((await b.since('r6', 3)).gap).toBe(false);
    });

    it('reports a gap for a client ahead of the room, and none for an unknown room', async () => {
      await a.publish('r7', draft(1));
      expect((await a.since('r7', 9)).gap).toBe(true);
      expect(await a.since('nobody-here', 0)).toEqual({ messages: [], lastSeq: 0, gap: false });
    });
  });

  describe(`room bus contract: ${name} (history age)`, () => {
    it('drops history older than historyTtlMs', async () => {
      const { a, close } = await harness.open({ ...options, historyTtlMs: 100 });
      try {
        await a.publish('old', draft(1));
        await new Promise((r) => setTimeout(r, 150));
        await a.publish('old', draft(2));
        const since = await a.since('old', 0);
        expect(since.messages.map((m) => m.seq)).toEqual([2]);
        expect(since.gap).toBe(true);
      } finally {
        await close();
      }
    });
  });
}
