// Unicast end to end: stored first, pushed to every connection of the user,
// the inbox delivered on connect in order, acks, the redelivery cap, TTL,
// non-persistent messages, and two gateways on one Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, signedInit } from '@bamboo/testing';
import { DanmakuClient } from '../src/client/client.js';
import type { UnicastMessage } from '../src/stores/inbox.js';
import { KEY, eventually, post, redisNamespace, startNode, type Node } from './harness.js';
import { rawTcp } from './raw.js';
import { encodeJsonFrame } from '../src/protocol/frame.js';
import { Op } from '../src/protocol/ops.js';

const note = (toUid: string, n: number, extra: Record<string, unknown> = {}) => ({ toUid, type: 'system', body: { n }, ...extra });

async function connect(node: Node, uid: string, got: UnicastMessage[] = []): Promise<{ client: DanmakuClient; got: UnicastMessage[] }> {
  const client = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42', uid), heartbeat: false, onUnicast: (m) => got.push(m) });
  return { client, got };
}

async function inboxSize(node: Node, uid: string): Promise<number> {
  const path = `/internal/users/${uid}/inbox`;
  const res = await fetch(node.url + path, signedInit(KEY, path));
  return ((await res.json()) as { size: number }).size;
}

async function metric(node: Node, line: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describe('unicast (memory engine)', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ env: { HOMER_INBOX_MAX_DELIVERIES: '2' } });
  });
  afterAll(async () => node.stop());

  it('stores for an offline user and delivers the inbox on connect, in order; an ack removes', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(node, '/internal/unicast', note('bob', i), { caller: 'magi' });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ uid: 'bob', type: 'system', priority: 'high', body: { n: i } });
      ids.push(res.body.id);
    }
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(await inboxSize(node, 'bob')).toBe(5);

    const { client, got } = await connect(node, 'bob');
    await eventually(() => got.length === 5, 'the inbox');
    expect(got.map((m) => m.body.n)).toEqual([0, 1, 2, 3, 4]);
    expect(await client.ack([1, 2, 3])).toEqual({ removed: 3, unknown: 0 });
    expect(await inboxSize(node, 'bob')).toBe(2);
    client.close();

    const again = await connect(node, 'bob');
    await eventually(() => again.got.length === 2, 'what was not acked');
    expect(again.got.map((m) => m.id)).toEqual([4, 5]);
    expect(await again.client.ack([4, 5])).toEqual({ removed: 2, unknown: 0 });
    again.client.close();
    expect(await inboxSize(node, 'bob')).toBe(0);
  });

  it('pushes to every connection of an online user at once, and still stores until acked', async () => {
    const one = await connect(node, 'carol');
    const two = await connect(node, 'carol');
    const other = await connect(node, 'dave');
    const res = await post(node, '/internal/unicast', note('carol', 7, { priority: 'normal', from: 'magi' }));
    await eventually(() => one.got.length === 1 && two.got.length === 1, 'the push on both connections');
    expect(one.got[0]).toEqual({ ...res.body });
    expect(one.got[0]).toMatchObject({ id: res.body.id, from: 'magi', priority: 'normal', body: { n: 7 } });
    expect(await inboxSize(node, 'carol')).toBe(1);
    expect(await one.client.ack([res.body.id])).toEqual({ removed: 1, unknown: 0 });
    expect(await inboxSize(node, 'carol')).toBe(0);
    expect(other.got).toEqual([]);
    for (const c of [one, two, other]) c.client.close();
  });

  it('ignores and counts acks of unknown ids', async () => {
    const before = await metric(node, 'homer_acks_unknown_total{service="homer"}');
    const { client } = await connect(node, 'erin');
    expect(await client.ack([999, 1000])).toEqual({ removed: 0, unknown: 2 });
    expect(client.closed).toBe(false);
    expect(await metric(node, 'homer_acks_unknown_total{service="homer"}')).toBe(before + 2);
    client.close();
  });

  it('drops a message delivered the maximum number of times without an ack, and counts it', async () => {
    await post(node, '/internal/unicast', note('frank', 1));
    for (let i = 0; i < 2; i++) {
      const { client, got } = await connect(node, 'frank');
      await eventually(() => got.length === 1, `delivery ${i + 1}`);
      client.close();
    }
    const { client, got } = await connect(node, 'frank');
    await client.heartbeat(); // the inbox load is done once later frames are answered
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    expect(await inboxSize(node, 'frank')).toBe(0);
    expect(await metric(node, 'homer_messages_dropped_total{reason="redelivery_cap",service="homer"}')).toBe(1);
    client.close();
  });

  it('drops a message past its TTL', async () => {
    await post(node, '/internal/unicast', note('gina', 1, { ttlMs: 1 }));
    await new Promise((r) => setTimeout(r, 20));
    const { client, got } = await connect(node, 'gina');
    await client.heartbeat();
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    expect(await metric(node, 'homer_messages_dropped_total{reason="expired",service="homer"}')).toBeGreaterThanOrEqual(1);
    client.close();
  });

  it('pushes a non-persistent message only to who is online, and never stores it', async () => {
    const online = await connect(node, 'hank');
    const res = await post(node, '/internal/unicast', note('hank', 1, { persist: false, priority: 'low' }));
    expect(res.status).toBe(202);
    expect(res.body.id).toBeUndefined();
    await eventually(() => online.got.length === 1, 'the push');
    expect(online.got[0]).toMatchObject({ uid: 'hank', priority: 'low', body: { n: 1 } });
    expect(online.got[0]!.id).toBeUndefined();
    online.client.close();
    await post(node, '/internal/unicast', note('ivy', 1, { persist: false }));
    expect(await inboxSize(node, 'ivy')).toBe(0);
    const later = await connect(node, 'ivy');
    await later.client.heartbeat();
    await new Promise((r) => setTimeout(r, 100));
    expect(later.got).toEqual([]);
    later.client.close();
  });

  it('stores for a user nobody has seen, and refuses invalid input with 400', async () => {
    expect((await post(node, '/internal/unicast', note('never-connected-yet', 1))).status).toBe(202);
    expect(await inboxSize(node, 'never-connected-yet')).toBe(1);
    const bad = [
      note('x', 1, { priority: 'urgent' }),
      note('x', 1, { ttlMs: -5 }),
      note('bad user!', 1),
      { toUid: 'x', type: 'system' },
      note('x', 1, { persist: 'no' }),
    ];
    for (const body of bad) {
      const res = await post(node, '/internal/unicast', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect(await inboxSize(node, 'x')).toBe(0);
  });

  it('answers a malformed ack with a non-fatal bad_body and keeps the connection', async () => {
    const peer = await rawTcp(node.address.tcp);
    peer.write(encodeJsonFrame(Op.Auth, 1, { ticket: await node.ticket('42', 'lena') }));
    await eventually(() => peer.bodies(Op.JoinReply).length === 1, 'joined');
    const bodies = [{ seq: 1 }, { ids: [] }, { ids: [1.5] }, { ids: ['1'] }, { ids: Array.from({ length: 101 }, (_, i) => i + 1) }, [1]];
    bodies.forEach((body, i) => peer.write(encodeJsonFrame(Op.Ack, 10 + i, body)));
    await eventually(() => peer.bodies(Op.Error).length === bodies.length, 'an error per bad ack');
    expect(peer.bodies(Op.Error).every((e) => e.code === 'bad_body' && e.fatal === false)).toBe(true);
    peer.write(encodeJsonFrame(Op.Ack, 20, { ids: [1] }));
    await eventually(() => peer.bodies(Op.AckReply).length === 1, 'a good ack answered');
    expect(peer.bodies(Op.AckReply)[0]).toEqual({ removed: 0, unknown: 1 });
    expect(peer.isClosed()).toBe(false);
    peer.close();
  });

  it('gives anonymous viewers no inbox: their acks are unknown', async () => {
    const anon = await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42'), heartbeat: false });
    expect(await anon.ack([1])).toEqual({ removed: 0, unknown: 1 });
    anon.close();
  });
});

describeRedis('unicast across two gateways on one Redis', (url) => {
  const ns = redisNamespace(url);
  let a: Node;
  let b: Node;
  beforeAll(async () => {
    [a, b] = await Promise.all([startNode({ redis: ns }), startNode({ redis: ns })]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await ns.clean();
  });

  it('pushes to the user on the other gateway, and delivers the stored inbox wherever the user connects', async () => {
    const onB = await connect(b, 'kim');
    const pushed = await post(a, '/internal/unicast', note('kim', 1));
    await eventually(() => onB.got.length === 1, 'the push through the other gateway');
    expect(onB.got[0]!.id).toBe(pushed.body.id);
    onB.client.close();

    await post(b, '/internal/unicast', note('kim', 2));
    const onA = await connect(a, 'kim');
    await eventually(() => onA.got.length === 2, 'the inbox on the other gateway');
    expect(onA.got.map((m) => m.body.n)).toEqual([1, 2]);
    expect(await onA.client.ack(onA.got.map((m) => m.id!))).toEqual({ removed: 2, unknown: 0 });
    expect(await inboxSize(b, 'kim')).toBe(0);
    onA.client.close();
  });
});
