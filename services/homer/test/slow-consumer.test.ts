// A client that stops reading must not make the server buffer without bound:
// past the send-buffer limit it is closed, and the room carries on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DanmakuClient } from '../src/client/client.js';
import type { RoomMessage } from '../src/stores/room-bus.js';
import { encodeJsonFrame } from '../src/protocol/frame.js';
import { Op } from '../src/protocol/ops.js';
import { eventually, post, startNode, type Node } from './harness.js';
import { rawTcp } from './raw.js';

describe('per-connection send buffer', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ env: { HOMER_SEND_BUFFER_BYTES: String(256 * 1024), HOMER_BATCH_WINDOW_MS: '5', HOMER_SLOW_CONSUMER_GRACE_MS: '300' } });
  });
  afterAll(async () => node.stop());

  it('closes a connection that does not read, and keeps delivering to the others', async () => {
    const slow = await rawTcp(node.address.tcp);
    slow.write(encodeJsonFrame(Op.Auth, 1, { ticket: await node.ticket('42') }));
    await eventually(() => slow.bodies(Op.JoinReply).length === 1, 'slow client joined');
    slow.socket.pause();

    const got: RoomMessage[] = [];
    const reader = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false, onMessage: (m) => got.push(m) });
    const filler = 'x'.repeat(200 * 1024);
    let sent = 0;
    // Far more than the kernel's socket buffers hold, in rounds until the server gives up on it.
    while (node.gateway.connections > 1 && sent < 400) {
      await Promise.all(
        Array.from({ length: 10 }, () => post(node, '/internal/broadcast/room', { roomId: '42', type: 'system', priority: 'low', body: { filler }, idempotencyKey: `f-${sent++}` })),
      );
    }
    expect(node.gateway.connections).toBe(1);
    await eventually(() => got.length === sent, 'every message to the reading client', 30_000);
    expect(reader.closed).toBe(false);
    slow.socket.resume();
    await slow.closed;
    // The error frame queues behind what the client never read, so a reset may discard it.
    for (const error of slow.bodies(Op.Error)) expect(error.code).toBe('slow_consumer');
    expect(slow.isClosed()).toBe(true);
    reader.close();
  });
});
