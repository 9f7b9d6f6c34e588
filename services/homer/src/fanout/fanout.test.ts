import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@bamboo/kit';
import { RoomBatcher } from './batcher.js';
import { Hub, type Receiver } from './hub.js';
import type { Outgoing } from './outgoing.js';
import { applyBudget } from './budget.js';
import { HomerStats } from '../stats.js';
import { createMemoryRoomBus } from '../stores/room-bus.memory.js';
import type { RoomMessage } from '../stores/room-bus.js';
import { decodeBatch, decodeFrame, parseJsonBody } from '../protocol/frame.js';
import { Op } from '../protocol/ops.js';

const msg = (seq: number, priority: RoomMessage['priority'] = 'normal'): RoomMessage => ({ room: '1', seq, ts: 0, type: 'chat', priority, body: {} });

/** A receiver that records the frames it is given (the full ones). */
const recorder = (onFrame: (f: Buffer) => void, shardKey = 0): Receiver => ({
  uid: undefined,
  shardKey,
  deliver: (out: Outgoing) => onFrame(out.frame()),
  pushUnicast: () => undefined,
  terminate: () => undefined,
});
const hubOptions = { batchWindowMs: 0, shards: 1, windowBudget: 100 };

describe('RoomBatcher', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the first message at once and merges the rest of the window', () => {
    vi.useFakeTimers();
    const flushed: number[][] = [];
    const batcher = new RoomBatcher(50, (ms) => {
      flushed.push(ms.map((m) => m.seq));
    });
    batcher.add(msg(1));
    expect(flushed).toEqual([[1]]);
    batcher.add(msg(2));
    batcher.add(msg(3));
    expect(flushed).toEqual([[1]]);
    vi.advanceTimersByTime(50);
    expect(flushed).toEqual([[1], [2, 3]]);
    vi.advanceTimersByTime(100);
    batcher.add(msg(4));
    expect(flushed).toEqual([[1], [2, 3], [4]]);
  });
});

describe('RoomBatcher under a slow delivery', () => {
  afterEach(() => vi.useRealTimers());

  it('starts the next window when a delivery longer than the window ends, so later messages still merge', () => {
    vi.useFakeTimers();
    const flushed: number[][] = [];
    const batcher = new RoomBatcher(50, (ms) => {
      flushed.push(ms.map((m) => m.seq));
      vi.setSystemTime(Date.now() + 200); // writing to a big room took 200 ms
    });
    batcher.add(msg(1));
    batcher.add(msg(2));
    batcher.add(msg(3));
    expect(flushed).toEqual([[1]]);
    vi.advanceTimersByTime(50);
    expect(flushed).toEqual([[1], [2, 3]]);
  });
});

describe('Hub', () => {
  const seqsIn = (frame: Buffer): number[] => {
    const f = decodeFrame(frame, { maxFrameBytes: 1 << 20 });
    if (!('op' in f)) throw new Error(f.message);
    const frames = f.op === Op.Batch ? (decodeBatch(f.body, { maxFrameBytes: 1 << 20 }) as Array<typeof f>) : [f];
    return frames.map((x) => (parseJsonBody(x.body) as RoomMessage).seq);
  };

  it('writes one buffer, serialised once, to every member of a room', async () => {
    const bus = createMemoryRoomBus({ historySize: 10, historyTtlMs: 60_000, idempotencyTtlMs: 60_000 });
    const hub = new Hub(bus, hubOptions, new HomerStats(), createLogger('t', 'silent'));
    await hub.ensureGlobal();
    const frames = new Map<Receiver, Buffer[]>();
    const receiver = (): Receiver => {
      const r: Receiver = recorder((f) => frames.get(r)!.push(f));
      frames.set(r, []);
      return r;
    };
    const members = [receiver(), receiver(), receiver()];
    for (const m of members) await hub.join(m, 'room', undefined, () => undefined);
    await bus.publish('room', { type: 'chat', priority: 'normal', body: {} });
    await new Promise((r) => setTimeout(r, 10));
    const written = members.map((m) => frames.get(m)!);
    expect(written.map((w) => w.length)).toEqual([1, 1, 1]);
    expect(written[1]![0]).toBe(written[0]![0]);
    expect(written[2]![0]).toBe(written[0]![0]);
    expect(seqsIn(written[0]![0]!)).toEqual([1]);
    expect(hub.online('room')).toBe(3);
    hub.leave(members[0]!, 'room');
    expect(hub.counts()).toEqual({ room: 2 });
    await hub.close();
  });

  it('writes a big room in turns, letting other work run between them, with every member getting every message in order', async () => {
    const bus = createMemoryRoomBus({ historySize: 10, historyTtlMs: 60_000, idempotencyTtlMs: 60_000 });
    const hub = new Hub(bus, { ...hubOptions, batchWindowMs: 5 }, new HomerStats(), createLogger('t', 'silent'));
    const seen = Array.from({ length: 2_500 }, () => [] as number[]);
    const members = seen.map((list) => recorder((f) => list.push(...seqsIn(f))));
    for (const m of members) await hub.join(m, 'big', undefined, () => undefined);
    let ranMeanwhile = false;
    await bus.publish('big', { type: 'chat', priority: 'normal', body: {} });
    setImmediate(() => {
      // Between two turns of the first window: some members have it, some not yet.
      ranMeanwhile = seen[0]!.length === 1 && seen.at(-1)!.length === 0;
    });
    await bus.publish('big', { type: 'chat', priority: 'normal', body: {} });
    await bus.publish('big', { type: 'chat', priority: 'normal', body: {} });
    await vi.waitFor(() => expect(seen.every((list) => list.length === 3)).toBe(true), { timeout: 10_000 });
    expect(ranMeanwhile).toBe(true);
    expect(seen.every((list) => list.join() === '1,2,3')).toBe(true);
    await hub.close();
  });

  it('replays history on join, then live messages, none twice', async () => {
    const bus = createMemoryRoomBus({ historySize: 10, historyTtlMs: 60_000, idempotencyTtlMs: 60_000 });
    const hub = new Hub(bus, hubOptions, new HomerStats(), createLogger('t', 'silent'));
    for (let i = 0; i < 3; i++) await bus.publish('room', { type: 'chat', priority: 'normal', body: {} });
    const seen: number[] = [];
    const r = recorder((f) => seen.push(...seqsIn(f)));
    const joining = hub.join(r, 'room', 1, () => undefined);
    // Published while the join reads history: must come once, after the replay.
    await bus.publish('room', { type: 'chat', priority: 'normal', body: {} });
    const result = await joining;
    await bus.publish('room', { type: 'chat', priority: 'normal', body: {} });
    await new Promise((res) => setTimeout(res, 10));
    expect(result.resumed).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([2, 3, 4, 5]);
    await hub.close();
  });
});

describe('window budget', () => {
  it('keeps every high-priority message, then normal, then low, sampled evenly', () => {
    const window = [
      ...Array.from({ length: 10 }, (_, i) => msg(i + 1, 'normal')),
      msg(11, 'high'),
      ...Array.from({ length: 5 }, (_, i) => msg(12 + i, 'low')),
      msg(17, 'high'),
    ];
    const { kept, sampled } = applyBudget(window, 6);
    expect(kept.filter((m) => m.priority === 'high').map((m) => m.seq)).toEqual([11, 17]);
    // 4 slots left for 10 chat messages, spread over the window; no room for low
    expect(kept.filter((m) => m.priority === 'normal').map((m) => m.seq)).toEqual([3, 5, 8, 10]);
    expect(kept.some((m) => m.priority === 'low')).toBe(false);
    expect(sampled).toBe(window.length - 6);
    expect(kept.map((m) => m.seq)).toEqual([...kept.map((m) => m.seq)].sort((a, b) => a - b));
    // more high than the budget: all of them still go
    const flood = Array.from({ length: 9 }, (_, i) => msg(i + 1, 'high'));
    expect(applyBudget(flood, 3).kept).toHaveLength(9);
    expect(applyBudget(window, 100)).toEqual({ kept: window, sampled: 0 });
  });
});
