// The HTTP API end to end: tickets, sending danmaku, the broadcast contract
// magi builds against, history and online counts, and their refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, signedInit, userIdentity } from '@bamboo/testing';
import { DanmakuClient } from '../src/client/client.js';
import type { RoomMessage } from '../src/stores/room-bus.js';
import { KEY, eventually, post, startNode, type Node } from './harness.js';

describe('HTTP API', () => {
  let node: Node;
  let client: DanmakuClient;
  const got: RoomMessage[] = [];
  beforeAll(async () => {
    // The per-user rate has its own test (moderation.test.ts).
    node = await startNode({ env: { HOMER_SEND_BURST: '1000' } });
    client = await DanmakuClient.ws(node.address.ws, { ticket: await node.ticket('42'), heartbeat: false, onMessage: (m) => got.push(m) });
  });
  afterAll(async () => {
    client.close();
    await node.stop();
  });

  const history = async (room: string, after = 0) =>
    readJson(await fetch(`${node.url}/v1/danmaku/rooms/${room}/messages?after=${after}`, signedInit(KEY, `/v1/danmaku/rooms/${room}/messages?after=${after}`)));

  it('sends a user’s danmaku to the room and returns its seq and timestamp', async () => {
    const before = (await history('42')).lastSeq;
    const res = await post(node, '/v1/danmaku/rooms/42/messages', { text: '  hello 🎉  ', color: '#ff0000' }, { uid: 'alice' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ room: '42', seq: before + 1, ts: expect.any(Number), text: 'hello 🎉' });
    await eventually(() => got.find((m) => m.seq === res.body.seq), 'the danmaku on the socket');
    expect(got.find((m) => m.seq === res.body.seq)).toEqual({
      room: '42',
      seq: res.body.seq,
      ts: res.body.ts,
      type: 'chat',
      priority: 'normal',
      body: { text: 'hello 🎉', color: '#ff0000' },
      from: 'alice',
    });
  });

  it('counts characters, not bytes: 100 emoji pass, 101 do not', async () => {
    expect((await post(node, '/v1/danmaku/rooms/42/messages', { text: '🎉'.repeat(100) }, { uid: 'alice' })).status).toBe(201);
    const res = await post(node, '/v1/danmaku/rooms/42/messages', { text: '🎉'.repeat(101) }, { uid: 'alice' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('101 characters, at most 100');
  });

  it('refuses bad sends with a clear 4xx and publishes nothing', async () => {
    const before = (await history('42')).lastSeq;
    const cases: Array<[unknown, { uid?: string }, number, string]> = [
      [{ text: '   ' }, { uid: 'alice' }, 400, 'empty'],
      [{ text: 'x'.repeat(101) }, { uid: 'alice' }, 400, 'at most 100'],
      [{}, { uid: 'alice' }, 400, 'json.text'],
      [{ text: 'hi', color: 'red' }, { uid: 'alice' }, 400, 'json.color'],
      [{ text: 'hi' }, {}, 401, 'end-user token'],
    ];
    for (const [body, who, status, message] of cases) {
      const res = await post(node, '/v1/danmaku/rooms/42/messages', body, who);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.message).toContain(message);
    }
    const unknown = await post(node, '/v1/danmaku/rooms/999/messages', { text: 'hi' }, { uid: 'alice' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('room_not_found');
    node.villa.refused.set('mallory', { allowed: false, reason: 'muted', until: Date.now() + 60_000 });
    const muted = await post(node, '/v1/danmaku/rooms/42/messages', { text: 'hi' }, { uid: 'mallory' });
    expect(muted.status).toBe(403);
    expect(muted.body.error.code).toBe('muted');
    expect((await history('42')).lastSeq).toBe(before);
  });

  it('sends once per Idempotency-Key', async () => {
    const headers = { 'idempotency-key': `send-${Date.now()}` };
    const first = await post(node, '/v1/danmaku/rooms/42/messages', { text: 'once' }, { uid: 'bob', headers });
    const again = await post(node, '/v1/danmaku/rooms/42/messages', { text: 'once' }, { uid: 'bob', headers });
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it('implements POST /internal/broadcast/room: 202 {seq}, once per idempotencyKey', async () => {
    const body = { roomId: '42', type: 'gift', priority: 'high', body: { giftId: 'rocket', count: 3 }, idempotencyKey: `tx-${Date.now()}` };
    const first = await post(node, '/internal/broadcast/room', body, { caller: 'magi' });
    const again = await post(node, '/internal/broadcast/room', body, { caller: 'magi' });
    expect(first).toEqual({ status: 202, body: { seq: expect.any(Number) } });
    expect(again).toEqual(first);
    await eventually(() => got.some((m) => m.seq === first.body.seq), 'the gift');
    const next = await post(node, '/internal/broadcast/room', { ...body, idempotencyKey: `${body.idempotencyKey}-2` });
    await eventually(() => got.some((m) => m.seq === next.body.seq), 'the next one');
    expect(got.filter((m) => m.body.giftId === 'rocket').map((m) => m.seq)).toEqual([first.body.seq, next.body.seq]);
  });

  it('implements POST /internal/broadcast/rooms: many broadcasts in one call, each once, none if one is bad', async () => {
    const key = `batch-${Date.now()}`;
    const gift = (n: number) => ({ roomId: '42', type: 'gift', priority: 'high', body: { giftId: 'batch', n }, idempotencyKey: `${key}-${n}` });
    const before = (await history('42')).lastSeq;
    const bad = await post(node, '/internal/broadcast/rooms', { messages: [gift(1), { ...gift(2), shard: 1 }] }, { caller: 'magi' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('messages[1].shard');
    expect((await post(node, '/internal/broadcast/rooms', { messages: [] })).status).toBe(400);
    expect((await history('42')).lastSeq).toBe(before); // nothing published

    const first = await post(node, '/internal/broadcast/rooms', { messages: [gift(1), gift(2), gift(3)] }, { caller: 'magi' });
    expect(first.status).toBe(202);
    expect(first.body.seqs).toHaveLength(3);
    // A retried batch (one more message in it) publishes only what is new.
    const retry = await post(node, '/internal/broadcast/rooms', { messages: [gift(1), gift(2), gift(3), gift(4)] }, { caller: 'magi' });
    expect(retry.body.seqs.slice(0, 3)).toEqual(first.body.seqs);
    await eventually(() => got.filter((m) => m.body.giftId === 'batch').length === 4, 'the four gifts');
    expect(got.filter((m) => m.body.giftId === 'batch').map((m) => m.body.n)).toEqual([1, 2, 3, 4]);
  });

  it('refuses unsigned and malformed broadcasts', async () => {
    const unsigned = await fetch(`${node.url}/internal/broadcast/room`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ roomId: '42', type: 'gift', priority: 'high', body: {}, idempotencyKey: 'x' }),
    });
    expect(unsigned.status).toBe(401);
    for (const bad of [
      { roomId: '42', type: 'spam', priority: 'high', body: {}, idempotencyKey: 'x' },
      { roomId: '42', type: 'gift', priority: 'high', body: {} },
      { roomId: '4 2', type: 'gift', priority: 'high', body: {}, idempotencyKey: 'x' },
    ]) {
      expect((await post(node, '/internal/broadcast/room', bad)).status).toBe(400);
    }
  });

  it('serves history after a sequence number', async () => {
    const { lastSeq } = await history('42');
    const h = await history('42', lastSeq - 2);
    expect(h.messages.map((m: RoomMessage) => m.seq)).toEqual([lastSeq - 1, lastSeq]);
    expect(h.gap).toBe(false);
    const bad = await fetch(`${node.url}/v1/danmaku/rooms/42/messages?after=-1`);
    expect(bad.status).toBe(400);
  });

  it('issues anonymous tickets without send rights, and none for unknown rooms', async () => {
    const anon = await post(node, '/v1/danmaku/tickets', { room: '42', network: 'cellular' });
    expect(anon.body).toMatchObject({ room: '42', canSend: false, uid: expect.stringMatching(/^anon-/), heartbeatMs: 60_000 });
    const user = await post(node, '/v1/danmaku/tickets', { room: '42' }, { uid: 'carol' });
    expect(user.body).toMatchObject({ uid: 'carol', canSend: true, heartbeatMs: 30_000 });
    expect(user.body.expiresAt).toBeGreaterThan(Date.now());
    expect((await post(node, '/v1/danmaku/tickets', { room: 'nope' })).status).toBe(404);
    expect((await post(node, '/v1/danmaku/tickets', {})).status).toBe(400);
  });

  it('reports a room’s online count after the gateway reports it', async () => {
    await node.gateway.beat();
    const res = await fetch(`${node.url}/v1/danmaku/rooms/42/online`, signedInit(KEY, '/v1/danmaku/rooms/42/online', { identity: userIdentity('x') }));
    expect(await readJson(res)).toEqual({ room: '42', online: 1 });
  });

  it('lists every route in /openapi.json', async () => {
    const doc = await readJson(await fetch(`${node.url}/openapi.json`));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/danmaku/tickets',
        '/v1/danmaku/rooms/{roomId}/messages',
        '/v1/danmaku/rooms/{roomId}/online',
        '/v1/danmaku/dispatch',
        '/internal/broadcast/room',
        '/internal/broadcast/global',
      ]),
    );
  });
});
