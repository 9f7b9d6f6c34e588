// A hot-state engine (Redis) that does not answer: homer still starts, HTTP
// answers 503 promptly instead of hanging, /readyz says why, a connection
// gets a non-fatal "unavailable" instead of a hang, and nothing crashes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { Op } from '../src/protocol/ops.js';
import { encodeJsonFrame } from '../src/protocol/frame.js';
import { eventually, post, startNode, type Node } from './harness.js';
import { rawTcp } from './raw.js';

describe('Redis down', () => {
  let blackhole: Server;
  let node: Node;
  beforeAll(async () => {
    // Accepts and never answers: the worst kind of down.
    blackhole = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as { port: number }).port;
    node = await startNode({ redis: { url: `redis://127.0.0.1:${port}`, prefix: 'homer-outage:' } });
  });
  afterAll(async () => {
    await node.stop();
    blackhole.close();
  });

  it('answers sends and broadcasts with 503, and /readyz with 503', async () => {
    const broadcast = await post(node, '/internal/broadcast/room', { roomId: '42', type: 'gift', priority: 'high', body: {}, idempotencyKey: 'x' });
    expect(broadcast.status).toBe(503);
    const send = await post(node, '/v1/danmaku/rooms/42/messages', { text: 'hi' }, { uid: 'alice' });
    expect(send.status).toBe(503);
    const unicast = await post(node, '/internal/unicast', { toUid: 'bob', type: 'system', body: {} });
    expect(unicast.status).toBe(503);
    expect((await post(node, '/internal/users/bob/kick', {})).status).toBe(503);
    expect((await fetch(`${node.url}/readyz`)).status).toBe(503);
  });

  it('accepts the connection and answers the join with a non-fatal unavailable', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(encodeJsonFrame(Op.Auth, 1, { ticket: await node.ticket('42') }));
    await eventually(() => peer.bodies(Op.Error).length > 0, 'the join error', 15_000);
    expect(peer.bodies(Op.AuthReply)).toHaveLength(1);
    expect(peer.bodies(Op.Error)[0]).toMatchObject({ code: 'unavailable', fatal: false });
    peer.write(encodeJsonFrame(Op.Heartbeat, 2, {}));
    await eventually(() => peer.bodies(Op.HeartbeatReply).length === 1, 'a heartbeat reply');
    expect(peer.bodies(Op.HeartbeatReply)[0]).toEqual({ online: {} });
    expect(peer.isClosed()).toBe(false);
    peer.close();
  });

  it('tells a named user the inbox and acks are unavailable, without closing', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(encodeJsonFrame(Op.Auth, 1, { ticket: await node.ticket('42', 'bob') }));
    await eventually(() => peer.bodies(Op.Error).length >= 2, 'the join and inbox errors', 15_000);
    peer.write(encodeJsonFrame(Op.Ack, 2, { ids: [1] }));
    await eventually(() => peer.bodies(Op.Error).length >= 3, 'the ack error', 15_000);
    expect(peer.bodies(Op.Error).map((e) => [e.code, e.fatal])).toEqual([
      ['unavailable', false],
      ['unavailable', false],
      ['unavailable', false],
    ]);
    expect(peer.frames.filter((f) => f.op === Op.Error).map((f) => f.seq)).toEqual([1, 0, 2]);
    expect(peer.isClosed()).toBe(false);
    peer.close();
  });
});
