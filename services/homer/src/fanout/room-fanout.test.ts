import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoomMessage } from '../stores/room-bus.js';
import type { Outgoing } from './outgoing.js';
import { RoomFanout, type RoomReceiver } from './room-fanout.js';

const msg = (seq: number, extra: Partial<RoomMessage> = {}): RoomMessage => ({ room: 'r', seq, ts: 0, type: 'chat', priority: 'normal', body: {}, ...extra });

interface Seen extends RoomReceiver {
  frames: number[][];
  outs: Outgoing[];
}
const receiver = (uid?: string): Seen => {
  const r: Seen = {
    uid,
    frames: [],
    outs: [],
    deliver: (out) => {
      r.outs.push(out);
      r.frames.push(out.messages.map((m) => m.seq));
    },
  };
  return r;
};

const fanout = (options: Partial<ConstructorParameters<typeof RoomFanout>[0]> = {}) =>
  new RoomFanout<Seen>({ windowMs: 50, shards: 1, windowBudget: 100, writesPerTurn: 2, onSampled: () => undefined, onError: (e) => { throw e; }, ...options });

const joinAll = (room: RoomFanout<Seen>, members: Seen[], shardOf = (_: number) => 0) =>
  members.forEach((m, i) => {
    room.join(m, shardOf(i));
    room.resumed(m, shardOf(i), [], 0, () => true);
  });

describe('RoomFanout', () => {
  afterEach(() => vi.useRealTimers());

  it('gives a message that comes mid-round to the members still ahead in that round, and to the others in the next', async () => {
    vi.useFakeTimers();
    const room = fanout();
    const members = Array.from({ length: 6 }, () => receiver());
    joinAll(room, members);
    room.add(msg(1)); // a quiet room: the round starts at once; 2 writes per turn
    expect(members.map((m) => m.frames.length)).toEqual([1, 1, 0, 0, 0, 0]);
    room.add(msg(2)); // before the second turn
    await vi.advanceTimersByTimeAsync(1); // the remaining turns, well inside the window
    // members 3–6 get 1 and 2 in one frame in this round
    expect(members.map((m) => m.frames)).toEqual([[[1]], [[1]], [[1, 2]], [[1, 2]], [[1, 2]], [[1, 2]]]);
    // the next round, a window after this one started, brings 2 to the first two
    await vi.advanceTimersByTimeAsync(49);
    expect(members.map((m) => m.frames)).toEqual([[[1], [2]], [[1], [2]], [[1, 2]], [[1, 2]], [[1, 2]], [[1, 2]]]);
    // nothing twice: a further window writes nothing
    await vi.advanceTimersByTimeAsync(200);
    expect(members.every((m) => m.frames.flat().join() === '1,2')).toBe(true);
  });

  it('merges a busy window into one frame per member, serialised once for all', async () => {
    vi.useFakeTimers();
    const room = fanout({ writesPerTurn: 1_000 });
    const members = Array.from({ length: 3 }, () => receiver());
    joinAll(room, members);
    room.add(msg(1));
    room.add(msg(2));
    room.add(msg(3));
    expect(members.map((m) => m.frames)).toEqual([[[1]], [[1]], [[1]]]);
    await vi.advanceTimersByTimeAsync(50);
    expect(members.map((m) => m.frames)).toEqual([[[1], [2, 3]], [[1], [2, 3]], [[1], [2, 3]]]);
    expect(members[1]!.outs[1]).toBe(members[0]!.outs[1]);
  });

  it('writes shard-targeted messages to that shard only, and personal ones to that user only', async () => {
    vi.useFakeTimers();
    const room = fanout({ shards: 2, writesPerTurn: 1_000 });
    const members = [receiver('a'), receiver('b'), receiver('c'), receiver('d')];
    joinAll(room, members, (i) => i % 2);
    room.add(msg(1, { range: 'shard', shard: 1 }));
    await vi.advanceTimersByTimeAsync(50);
    room.add(msg(2, { range: 'user', to: 'c' }));
    await vi.advanceTimersByTimeAsync(50);
    room.add(msg(3));
    await vi.advanceTimersByTimeAsync(50);
    expect(members.map((m) => m.frames.flat())).toEqual([[3], [1, 3], [2, 3], [1, 3]]);
  });

  it('keeps what came while a member was resuming and writes it after the replay, once', async () => {
    vi.useFakeTimers();
    const room = fanout({ writesPerTurn: 1_000 });
    const old = receiver();
    joinAll(room, [old]);
    const late = receiver();
    room.join(late, 0);
    room.add(msg(5));
    room.add(msg(6));
    await vi.advanceTimersByTimeAsync(50);
    expect(late.frames).toEqual([]); // still reading history
    // history held 3..5 (5 came both ways); the bus was at 5 when read
    room.resumed(late, 0, [msg(3), msg(4), msg(5)], 5, () => true);
    room.add(msg(7));
    await vi.advanceTimersByTimeAsync(50);
    expect(late.frames.flat()).toEqual([3, 4, 5, 6, 7]);
    expect(old.frames.flat()).toEqual([5, 6, 7]);
  });

  it('samples chat to the budget per member visit and always keeps high priority', async () => {
    vi.useFakeTimers();
    let sampled = 0;
    const room = fanout({ windowBudget: 3, writesPerTurn: 1_000, onSampled: (n) => (sampled += n) });
    const member = receiver();
    joinAll(room, [member]);
    room.add(msg(1));
    for (let seq = 2; seq <= 11; seq++) room.add(msg(seq, seq === 7 ? { priority: 'high' } : {}));
    await vi.advanceTimersByTimeAsync(50);
    expect(member.frames[1]).toHaveLength(3);
    expect(member.frames[1]).toContain(7);
    expect(sampled).toBe(7);
  });

  it('follows the room when its sequence starts over (a Redis that kept nothing restarted)', async () => {
    vi.useFakeTimers();
    const room = fanout({ writesPerTurn: 1_000 });
    const member = receiver();
    joinAll(room, [member]);
    room.add(msg(41));
    room.add(msg(42));
    await vi.advanceTimersByTimeAsync(50);
    room.add(msg(1));
    await vi.advanceTimersByTimeAsync(50);
    room.add(msg(2));
    await vi.advanceTimersByTimeAsync(50);
    expect(member.frames.flat()).toEqual([41, 42, 1, 2]);
  });
});
