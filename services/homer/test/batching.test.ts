// A busy room costs one write per connection per window: messages published
// together reach a connection as one batch frame, not one frame each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeJsonFrame, parseJsonBody } from '../src/protocol/frame.js';
import { Op } from '../src/protocol/ops.js';
import type { RoomMessage } from '../src/stores/room-bus.js';
import { eventually, post, startNode, type Node } from './harness.js';
import { rawTcp } from './raw.js';

describe('merging window', () => {
  let node: Node;
  beforeAll(async () => {
    // A long window, so the test does not depend on how fast the machine posts.
    node = await startNode({ env: { HOMER_BATCH_WINDOW_MS: '3000' } });
  });
  afterAll(async () => node.stop());

  it('sends the first message at once and the rest of the window as one batch frame', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(encodeJsonFrame(Op.Auth, 1, { ticket: await node.ticket('42') }));
    await eventually(() => peer.bodies(Op.JoinReply).length === 1, 'joined');
    const gift = (n: number) => ({ roomId: '42', type: 'gift', priority: 'high', body: { n }, idempotencyKey: `b-${n}` });
    await post(node, '/internal/broadcast/room', gift(0));
    await eventually(() => peer.frames.some((f) => f.op === Op.Message), 'the first, alone');
    await Promise.all(Array.from({ length: 9 }, (_, i) => post(node, '/internal/broadcast/room', gift(i + 1))));

    const seqs = (): number[] =>
      peer.frames.flatMap((f) => {
        if (f.op === Op.Message) return [(parseJsonBody(f.body) as RoomMessage).seq];
        if (f.op !== Op.Batch) return [];
        const inner = decodeBatch(f.body, { maxFrameBytes: 1 << 20 });
        return Array.isArray(inner) ? inner.map((x) => (parseJsonBody(x.body) as RoomMessage).seq) : [];
      });
    await eventually(() => seqs().length === 10, 'all ten', 10_000);
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const messageFrames = peer.frames.filter((f) => f.op === Op.Message || f.op === Op.Batch);
    expect(messageFrames[0]!.op).toBe(Op.Message);
    expect(messageFrames.filter((f) => f.op === Op.Batch).length).toBeGreaterThan(0);
    expect(messageFrames.length).toBeLessThan(10);
    peer.close();
  });
});
