// A flood with stalled readers (TCP and WebSocket): what the gateway holds
// for them stays bounded by the per-connection limits, they are cut off with
// slow_consumer after the grace period, and a reading client gets every
// message meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DanmakuClient } from '../src/client/client.js';
import type { RoomMessage } from '../src/stores/room-bus.js';
import { encodeJsonFrame } from '../src/protocol/frame.js';
import { Op } from '../src/protocol/ops.js';
import { eventually, post, startNode, type Node } from './harness.js';
import { rawTcp } from './raw.js';

const BOUND = 64 * 1024;
const STALLED_TCP = 12;
const STALLED_WS = 4;

async function stalledWs(node: Node): Promise<{ closed: Promise<void>; resume(): void }> {
  const ws = new WebSocket(node.address.ws);
  ws.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  await new Promise((resolve) => ws.once('open', resolve));
  const joined = new Promise((resolve) => ws.on('message', (data: Buffer) => data.readInt32BE(8) === Op.JoinReply && resolve(undefined)));
  ws.send(encodeJsonFrame(Op.Auth, 1, { ticket: await node.ticket('42') }));
  await joined;
  ws.pause(); // stops reading the socket: the kernel buffers fill, then homer's
  return { closed, resume: () => ws.resume() };
}

describe('flood with stalled readers', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({
      env: { HOMER_SEND_BUFFER_BYTES: String(BOUND), HOMER_SLOW_CONSUMER_GRACE_MS: '500', HOMER_BATCH_WINDOW_MS: '5', HOMER_WINDOW_BUDGET: '1000' },
    });
  });
  afterAll(async () => node.stop());

  it('keeps memory bounded, cuts the stalled readers off, and keeps delivering to the reader', async () => {
    const stalled: Array<{ closed: Promise<void>; resume(): void }> = [];
    for (let i = 0; i < STALLED_TCP; i++) {
      const peer = await rawTcp(node.address.tcp);
      peer.write(encodeJsonFrame(Op.Auth, 1, { ticket: await node.ticket('42') }));
      await eventually(() => peer.bodies(Op.JoinReply).length === 1, 'stalled reader joined');
      peer.socket.pause();
      stalled.push({ closed: peer.closed, resume: () => peer.socket.resume() });
    }
    for (let i = 0; i < STALLED_WS; i++) stalled.push(await stalledWs(node));

    const got: RoomMessage[] = [];
    const reader = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false, onMessage: (m) => got.push(m) });
    const filler = 'x'.repeat(16 * 1024);
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    let maxBuffered = 0;
    // 4 messages per round, at least 5 MiB per reader, until every stalled reader is gone
    while ((node.gateway.connections > 1 || sent < 320) && sent < 4_000) {
      await Promise.all(
        Array.from({ length: 4 }, () => post(node, '/internal/broadcast/room', { roomId: '42', type: 'system', priority: 'normal', body: { filler }, idempotencyKey: `f-${sent++}` })),
      );
      maxBuffered = Math.max(maxBuffered, node.gateway.bufferedBytes());
    }
    expect(node.gateway.connections).toBe(1);
    const pushedPerReader = sent * filler.length;
    // Far more was published than the limits let the gateway hold …
    expect(pushedPerReader).toBeGreaterThan(4 * 1024 * 1024);
    // … and what it held for everyone stayed within bound + one merged window per connection.
    const perConnection = BOUND + 4 * (filler.length + 200);
    expect(maxBuffered).toBeLessThanOrEqual((STALLED_TCP + STALLED_WS + 1) * perConnection);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
    // Reading again, the stalled peers see the server's close.
    for (const peer of stalled) peer.resume();
    await Promise.all(stalled.map((peer) => peer.closed));
    await eventually(() => got.length === sent, 'every message to the reading client', 30_000);
    expect(reader.closed).toBe(false);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`homer_slow_consumers_closed_total\\{service="homer"\\} ${STALLED_TCP + STALLED_WS}\\b`));
    reader.close();
  }, 60_000);
});
