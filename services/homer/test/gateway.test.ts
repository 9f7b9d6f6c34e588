// The gateways end to end over real sockets: TCP and WebSocket clients in one
// room, bad frames, heartbeats, resume, drain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DanmakuClient, ServerErrorFrame } from '../src/client/client.js';
import type { RoomMessage } from '../src/stores/room-bus.js';
import { encodeFrame, encodeJsonFrame, parseJsonBody } from '../src/protocol/frame.js';
import { Op } from '../src/protocol/ops.js';
import { issueTicket, ticketSecret } from '../src/logic/ticket.js';
import { readJson } from '@bamboo/testing';
import { KEY, eventually, post, startNode, type Node } from './harness.js';
import { rawTcp, rawWs } from './raw.js';

const collect = (client: DanmakuClient): RoomMessage[] => {
  const got: RoomMessage[] = [];
  client.on('message', (m: RoomMessage) => got.push(m));
  return got;
};

const gift = (n: number, key = `k-${n}-${Math.random()}`) => ({
  type: 'gift',
  priority: 'high',
  body: { n },
  idempotencyKey: key,
});

describe('gateways (memory engine)', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ env: { HOMER_BATCH_WINDOW_MS: '20' } });
  });
  afterAll(async () => node.stop());

  it('delivers the same room messages in sequence order to TCP and WebSocket clients', async () => {
    const tcp = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42', 'u-tcp') });
    const ws = await DanmakuClient.ws(node.address.ws, { ticket: await node.ticket('42') });
    const [onTcp, onWs] = [collect(tcp), collect(ws)];
    expect(tcp.auth).toMatchObject({ uid: 'u-tcp', room: '42', canSend: true, heartbeatMs: 30_000 });
    expect(ws.auth?.canSend).toBe(false);
    expect(ws.auth?.uid).toMatch(/^anon-/);

    const seqs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await post(node, '/internal/broadcast/room', { roomId: '42', ...gift(i) }, { caller: 'magi' });
      expect(res.status).toBe(202);
      seqs.push(res.body.seq);
    }
    await eventually(() => onTcp.length >= 30 && onWs.length >= 30, '30 messages on both');
    expect(onTcp.map((m) => m.seq)).toEqual(seqs);
    expect(onWs).toEqual(onTcp);
    expect(onTcp.map((m) => m.body.n)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    tcp.close();
    ws.close();
  });

  it('answers heartbeats with the room online count', async () => {
    const a = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('43'), heartbeat: false });
    const b = await DanmakuClient.ws(node.address.ws, { ticket: await node.ticket('43'), heartbeat: false });
    expect(await a.heartbeat()).toEqual({ online: { '43': 2 } });
    b.close();
    await eventually(() => node.gateway.hub.online('43') === 1, 'b gone');
    expect(await a.heartbeat()).toEqual({ online: { '43': 1 } });
    a.close();
  });

  it('joins and leaves further rooms on one connection', async () => {
    const c = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('44'), heartbeat: false });
    const got = collect(c);
    expect(await c.join('45')).toMatchObject({ room: '45', online: 1, gap: false, resumed: 0 });
    await post(node, '/internal/broadcast/room', { roomId: '45', ...gift(1) });
    await eventually(() => got.length === 1, 'message in 45');
    expect(await c.leave('45')).toEqual({ room: '45', left: true });
    await post(node, '/internal/broadcast/room', { roomId: '45', ...gift(2) });
    await post(node, '/internal/broadcast/room', { roomId: '44', ...gift(3) });
    await eventually(() => got.length === 2, 'message in 44');
    expect(got.map((m) => [m.room, m.body.n])).toEqual([
      ['45', 1],
      ['44', 3],
    ]);
    await expect(c.join('no-such-room')).rejects.toMatchObject({ error: { code: 'room_not_found', fatal: false } });
    expect(c.closed).toBe(false);
    c.close();
  });

  it('resumes after a reconnect with exactly the missed messages', async () => {
    const first = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('46'), heartbeat: false });
    const before = collect(first);
    for (let i = 1; i <= 3; i++) await post(node, '/internal/broadcast/room', { roomId: '46', ...gift(i) });
    await eventually(() => before.length === 3, 'first three');
    const resumeFrom = first.lastSeq.get('46')!;
    first.close();
    const missed = [];
    for (let i = 4; i <= 7; i++) missed.push((await post(node, '/internal/broadcast/room', { roomId: '46', ...gift(i) })).body.seq);

    const after: RoomMessage[] = [];
    const again = await DanmakuClient.ws(node.address.ws, {
      ticket: await node.ticket('46'),
      lastSeq: resumeFrom,
      heartbeat: false,
      onMessage: (m) => after.push(m),
    });
    await eventually(() => after.length === 4, 'the four missed');
    expect(after.map((m) => m.seq)).toEqual(missed);
    await post(node, '/internal/broadcast/room', { roomId: '46', ...gift(8) });
    await eventually(() => after.length === 5, 'then live');
    expect(after.map((m) => m.body.n)).toEqual([4, 5, 6, 7, 8]);
    again.close();
  });

  it('says when a resume reaches past the kept history', async () => {
    const small = await startNode({ env: { HOMER_HISTORY_SIZE: '2' } });
    try {
      for (let i = 1; i <= 5; i++) await post(small, '/internal/broadcast/room', { roomId: '47', ...gift(i) });
      const c = await DanmakuClient.tcp(small.address.tcp, { ticket: await small.ticket('48'), heartbeat: false });
      const got = collect(c);
      expect(await c.join('49', 0)).toMatchObject({ gap: false, lastSeq: 0 });
      const replyGap = await c.join('47', 1);
      expect(replyGap).toMatchObject({ lastSeq: 5, resumed: 2, gap: true });
      await eventually(() => got.length === 2, 'the two kept');
      expect(got.map((m) => m.seq)).toEqual([4, 5]);
      c.close();
    } finally {
      await small.stop();
    }
  });

  it('delivers a global broadcast to every connection whatever its room', async () => {
    const a = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false });
    const b = await DanmakuClient.ws(node.address.ws, { ticket: await node.ticket('49'), heartbeat: false });
    const [onA, onB] = [collect(a), collect(b)];
    const res = await post(node, '/internal/broadcast/global', { type: 'system', priority: 'high', body: { text: 'maintenance' }, idempotencyKey: `g-${Date.now()}` });
    expect(res.status).toBe(202);
    await eventually(() => onA.length === 1 && onB.length === 1, 'global on both');
    expect(onA[0]).toMatchObject({ room: '*', type: 'system', body: { text: 'maintenance' } });
    a.close();
    b.close();
  });
});

describe('bad input on the gateways', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ env: { HOMER_MAX_CLIENT_FRAME_BYTES: '512' } });
  });
  afterAll(async () => node.stop());

  const errorOf = (peer: { bodies(op: number): Array<Record<string, unknown>> }) => peer.bodies(Op.Error)[0];

  it('closes on a join before auth, with auth_required', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(encodeJsonFrame(Op.Join, 1, { room: '42' }));
    await peer.closed;
    expect(errorOf(peer)).toMatchObject({ code: 'auth_required', fatal: true });
  });

  it('closes on garbage bytes, with bad_frame', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
    await peer.closed;
    expect(errorOf(peer)?.code).toBe('bad_frame');
  });

  it('closes on an oversize frame, with frame_too_large, from its header alone', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(encodeJsonFrame(Op.Auth, 1, { ticket: 'x'.repeat(600) }).subarray(0, 16));
    await peer.closed;
    expect(errorOf(peer)?.code).toBe('frame_too_large');
  });

  it('closes on an unknown operation, with unknown_op', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(encodeFrame(999, 1));
    await peer.closed;
    expect(errorOf(peer)?.code).toBe('unknown_op');
  });

  it('refuses a forged, a malformed and an expired ticket', async () => {
    const good = await node.ticket('42');
    const forged = `${good.split('.')[0]}.AAAA`;
    const expired = issueTicket(ticketSecret(undefined, KEY), { uid: 'u', room: '42', canSend: true, expiresAt: Date.now() - 1 });
    for (const [ticket, code] of [
      [forged, 'invalid_ticket'],
      ['not-a-ticket', 'invalid_ticket'],
      [expired, 'expired_ticket'],
    ] as const) {
      const peer = await rawTcp(node.address.tcp);
      peer.write(encodeJsonFrame(Op.Auth, 1, { ticket }));
      await peer.closed;
      expect(errorOf(peer)).toMatchObject({ code, fatal: true });
      expect(peer.bodies(Op.AuthReply)).toEqual([]);
    }
    await expect(DanmakuClient.tcp(node.address.tcp, { ticket: forged })).rejects.toBeInstanceOf(ServerErrorFrame);
  });

  it('closes a WebSocket that sends a text frame, with text_frame', async () => {
    const peer = await rawWs(node.address.ws);
    peer.write('{"op":7}');
    await peer.closed;
    expect(errorOf(peer)?.code).toBe('text_frame');
  });

  it('closes a WebSocket message that holds more or less than one frame', async () => {
    const peer = await rawWs(node.address.ws);
    const frame = encodeFrame(Op.Heartbeat, 1);
    peer.write(Buffer.concat([frame, frame]));
    await peer.closed;
    expect(errorOf(peer)?.code).toBe('bad_frame');
  });

  it('refuses a WebSocket upgrade on another path', async () => {
    await expect(rawWs(node.address.ws.replace('/sub', '/other'))).rejects.toThrow();
  });

  it('keeps serving after all of the above', async () => {
    const res = await fetch(`${node.url}/healthz`);
    expect(res.status).toBe(200);
    const c = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false });
    expect(await c.heartbeat()).toEqual({ online: { '42': 1 } });
    c.close();
  });
});

describe('heartbeats and drain', () => {
  it('tells each network its interval and closes a connection silent for 2.5 intervals', async () => {
    const node = await startNode({ env: { HOMER_HEARTBEAT_MS: '100', HOMER_HEARTBEAT_CELLULAR_MS: '300' } });
    try {
      const silent = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false });
      const beating = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42') });
      const cellular = await DanmakuClient.ws(node.address.ws, { ticket: await node.ticket('42'), network: '4g', heartbeat: false });
      expect(silent.auth?.heartbeatMs).toBe(100);
      expect(cellular.auth?.heartbeatMs).toBe(300);
      const errors: unknown[] = [];
      silent.on('error', (e) => errors.push(e));
      await eventually(() => silent.closed, 'silent closed');
      expect(errors).toEqual([expect.objectContaining({ code: 'heartbeat_timeout' })]);
      expect(beating.closed).toBe(false);
      beating.close();
      cellular.close();
    } finally {
      await node.stop();
    }
  });

  it('closes a connection that never authenticates', async () => {
    const node = await startNode({ env: { HOMER_AUTH_TIMEOUT_MS: '100' } });
    try {
      const peer = await rawTcp(node.address.tcp);
      await peer.closed;
      expect(peer.bodies(Op.Error)[0]?.code).toBe('auth_timeout');
    } finally {
      await node.stop();
    }
  });

  it('on drain tells clients to reconnect elsewhere, refuses new ones and finishes when they left', async () => {
    const node = await startNode();
    try {
      const tcp = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false });
      const ws = await DanmakuClient.ws(node.address.ws, { ticket: await node.ticket('42'), heartbeat: false });
      const notices: unknown[] = [];
      for (const c of [tcp, ws]) c.on('notice', (n) => (notices.push(n), c.close()));
      await node.gateway.close(5_000);
      expect(notices).toEqual([expect.objectContaining({ code: 'reconnect' }), expect.objectContaining({ code: 'reconnect' })]);
      expect(node.gateway.connections).toBe(0);
      await expect(DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42') })).rejects.toThrow();
      const dispatch = await readJson(await fetch(`${node.url}/v1/danmaku/dispatch`));
      expect(dispatch.gateways).toEqual([]);
    } finally {
      await node.stop();
    }
  });

  it('parses frames the same whatever the body', () => {
    expect(parseJsonBody(Buffer.from('not json'))).toBeUndefined();
  });
});
