// Flow control of one session against a transport whose buffer the test
// controls: low priority dropped first when behind, every frame dropped at
// the bound, closed after the grace period unless it caught up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@bamboo/kit';
import { Session, type SessionSettings, type Transport } from './session.js';
import { Hub } from '../fanout/hub.js';
import { Outgoing } from '../fanout/outgoing.js';
import { createMemoryRoomBus } from '../stores/room-bus.memory.js';
import { createMemoryInbox } from '../stores/inbox.memory.js';
import type { RoomMessage } from '../stores/room-bus.js';
import { decodeBatch, decodeFrame, parseJsonBody } from '../protocol/frame.js';
import { Op } from '../protocol/ops.js';
import { HomerStats } from '../stats.js';

const settings: SessionSettings = {
  ticketSecret: Buffer.alloc(32),
  authTimeoutMs: 60_000,
  heartbeatMs: () => 30_000,
  sendBufferBytes: 1000,
  sendBufferFrames: 10,
  slowConsumerGraceMs: 500,
  maxRooms: 4,
};

const msg = (seq: number, priority: RoomMessage['priority']): RoomMessage => ({ room: 'r', seq, ts: 0, type: 'chat', priority, body: {} });

function setup() {
  const written: Buffer[] = [];
  const buffer = { bytes: 0, frames: 0 };
  let ended = false;
  const transport: Transport = {
    kind: 'tcp',
    write: (f) => void written.push(f),
    bufferedBytes: () => buffer.bytes,
    pendingFrames: () => buffer.frames,
    end: () => void (ended = true),
  };
  const stats = new HomerStats();
  const hub = new Hub(createMemoryRoomBus({ historySize: 1, historyTtlMs: 1, idempotencyTtlMs: 1 }), { batchWindowMs: 0, shards: 1, windowBudget: 10 }, stats, createLogger('t', 'silent'));
  const session = new Session(transport, {
    hub,
    rooms: { assertRoom: async () => undefined, anchorOf: async () => 'a', sendPermission: async () => ({ allowed: true }) },
    inbox: createMemoryInbox({ maxSize: 1, maxDeliveries: 1 }),
    stats,
    settings,
    logger: createLogger('t', 'silent'),
    onClose: () => undefined,
  });
  const seqs = (frame: Buffer): number[] => {
    const f = decodeFrame(frame, { maxFrameBytes: 1 << 20 });
    if (!('op' in f)) throw new Error(f.message);
    const inner = f.op === Op.Batch ? (decodeBatch(f.body, { maxFrameBytes: 1 << 20 }) as Array<typeof f>) : [f];
    return inner.map((x) => (parseJsonBody(x.body) as RoomMessage).seq);
  };
  return { session, written, buffer, stats, seqs, ended: () => ended };
}

describe('session flow control', () => {
  afterEach(() => vi.useRealTimers());

  it('writes everything while the buffer is low, and drops low priority first once behind', () => {
    const { session, written, buffer, stats, seqs } = setup();
    const window = new Outgoing([msg(1, 'low'), msg(2, 'normal'), msg(3, 'high')]);
    session.deliver(window);
    expect(seqs(written[0]!)).toEqual([1, 2, 3]);
    buffer.bytes = 600; // past half of 1000
    session.deliver(window);
    expect(seqs(written[1]!)).toEqual([2, 3]);
    expect(stats.dropped.slow_consumer_low).toBe(1);
    buffer.bytes = 0;
    buffer.frames = 6; // past half of 10 frames
    session.deliver(new Outgoing([msg(4, 'low')]));
    expect(written).toHaveLength(2);
    expect(stats.delivered.room).toBe(5);
    session.close();
  });

  it('drops every frame at the bound, but an empty buffer takes any one frame', () => {
    const { session, written, buffer, stats } = setup();
    const big = new Outgoing(Array.from({ length: 30 }, (_, i) => msg(i + 1, 'high')));
    expect(big.frame().length).toBeGreaterThan(settings.sendBufferBytes);
    session.deliver(big);
    expect(written).toHaveLength(1);
    buffer.bytes = 950;
    session.deliver(new Outgoing([msg(31, 'high')]));
    expect(written).toHaveLength(1);
    expect(stats.dropped.buffer_full).toBe(1);
    session.close();
  });

  it('closes with slow_consumer when still behind after the grace period, and not when it caught up', () => {
    vi.useFakeTimers();
    const slow = setup();
    slow.buffer.bytes = 990;
    slow.session.deliver(new Outgoing([msg(1, 'normal')]));
    vi.advanceTimersByTime(499);
    expect(slow.ended()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(slow.ended()).toBe(true);
    const error = parseJsonBody(slow.written.at(-1)!.subarray(16)) as { code: string };
    expect(error.code).toBe('slow_consumer');
    expect(slow.stats.slowConsumersClosed).toBe(1);

    const recovers = setup();
    recovers.buffer.bytes = 990;
    recovers.session.deliver(new Outgoing([msg(1, 'normal')]));
    recovers.buffer.bytes = 100;
    vi.advanceTimersByTime(1_000);
    expect(recovers.ended()).toBe(false);
    recovers.session.deliver(new Outgoing([msg(2, 'normal')]));
    expect(recovers.written).toHaveLength(1);
    recovers.session.close();
  });
});
