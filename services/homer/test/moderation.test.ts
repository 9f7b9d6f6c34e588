// The checks on a user's send, end to end over HTTP: each refusal is a 4xx
// with a reason code and nothing is stored or delivered; villa's verdict is
// cached for HOMER_PERMISSION_CACHE_MS, so a mute takes effect within it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, signedInit, userIdentity } from '@bamboo/testing';
import { DanmakuClient } from '../src/client/client.js';
import type { RoomMessage } from '../src/stores/room-bus.js';
import { KEY, eventually, post, startNode, type Node } from './harness.js';

const send = (node: Node, uid: string, text: string, room = '42') => post(node, `/v1/danmaku/rooms/${room}/messages`, { text }, { uid });
const lastSeq = async (node: Node, room = '42'): Promise<number> => {
  const path = `/v1/danmaku/rooms/${room}/messages?after=0`;
  return (await readJson(await fetch(node.url + path, signedInit(KEY, path)))).lastSeq as number;
};

describe('moderation (refuse mode)', () => {
  let node: Node;
  let viewer: DanmakuClient;
  const got: RoomMessage[] = [];
  beforeAll(async () => {
    node = await startNode({
      env: { HOMER_BANNED_WORDS: 'badword, 垃圾 ', HOMER_SEND_BURST: '1000', HOMER_PERMISSION_CACHE_MS: '400' },
    });
    viewer = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false, onMessage: (m) => got.push(m) });
  });
  afterAll(async () => {
    viewer.close();
    await node.stop();
  });

  it('refuses each bad send with its reason code, stores and delivers none', async () => {
    node.villa.refused.set('muted-user', { allowed: false, reason: 'muted', until: 1_900_000_000_000 });
    node.villa.refused.set('banned-user', { allowed: false, reason: 'banned', until: null });
    const before = await lastSeq(node);
    const cases: Array<[string, string, number, string]> = [
      ['alice', 'x'.repeat(101), 400, 'invalid_request'],
      ['alice', 'what a BadWord', 422, 'banned_word'],
      // full-width letters and upper case fold to the listed word
      ['alice', 'ｂａｄｗｏｒｄ!', 422, 'banned_word'],
      ['alice', '这是垃圾', 422, 'banned_word'],
      ['muted-user', 'hello', 403, 'muted'],
      ['banned-user', 'hello', 403, 'banned'],
    ];
    for (const [uid, text, status, code] of cases) {
      const res = await send(node, uid, text);
      expect(res.status, text).toBe(status);
      expect(res.body.error.code, text).toBe(code);
    }
    const muted = await send(node, 'muted-user', 'again');
    expect(muted.body.error.details).toEqual({ reason: 'muted', until: 1_900_000_000_000 });
    expect(muted.body.error.message).toContain('2030-');
    expect((await send(node, 'banned-user', 'again')).body.error.details).toEqual({ reason: 'banned', until: null });
    expect(await lastSeq(node)).toBe(before);
    // a clean send still goes through, and is the only thing the room saw
    expect((await send(node, 'alice', 'a good word')).status).toBe(201);
    await eventually(() => got.length === 1, 'the clean danmaku');
    expect(got.map((m) => m.body.text)).toEqual(['a good word']);
  });

  it('takes a mute from villa into account within the cache time, asking villa once per cache period', async () => {
    const calls = node.villa.permissionCalls;
    expect((await send(node, 'oscar', 'one')).status).toBe(201);
    expect((await send(node, 'oscar', 'two')).status).toBe(201);
    expect(node.villa.permissionCalls).toBe(calls + 1);
    const mutedAt = Date.now();
    node.villa.refused.set('oscar', { allowed: false, reason: 'muted', until: Date.now() + 60_000 });
    await eventually(async () => (await send(node, 'oscar', 'three')).status === 403, 'the mute to apply', 5_000);
    expect(Date.now() - mutedAt).toBeLessThan(5_000);
    node.villa.refused.delete('oscar');
  });
});

describe('moderation (mask mode) and the per-user rate', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ env: { HOMER_BANNED_WORDS: 'badword', HOMER_BANNED_WORDS_MODE: 'mask', HOMER_SEND_RATE_PER_S: '1', HOMER_SEND_BURST: '3' } });
  });
  afterAll(async () => node.stop());

  it('masks banned words, keeping the rest as written', async () => {
    const res = await send(node, 'mask-user', 'so ＢＡＤＷＯＲＤ, badword.');
    expect(res.status).toBe(201);
    expect(res.body.text).toBe('so *******, *******.');
  });

  it('admits a burst of 3 per user and room, then 429 with Retry-After; other rooms and users are not affected', async () => {
    const before = await lastSeq(node);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(node, 'fast', `m${i}`)).status);
    expect(statuses).toEqual([201, 201, 201]);
    const res = await fetch(
      `${node.url}/v1/danmaku/rooms/42/messages`,
      signedInit(KEY, '/v1/danmaku/rooms/42/messages', { method: 'POST', body: { text: 'again' }, identity: userIdentity('fast') }),
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await readJson(res)).error.code).toBe('rate_limited');
    expect(await lastSeq(node)).toBe(before + 3);
    expect((await send(node, 'fast', 'other room', '43')).status).toBe(201);
    expect((await send(node, 'slow', 'other user')).status).toBe(201);
    // the bucket refills at 1 per second
    await eventually(async () => (await send(node, 'fast', 'later')).status === 201, 'a token back', 3_000);
  });
});
