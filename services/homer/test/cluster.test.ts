// Several homer nodes on one Redis: a room message reaches members on every
// node, online counts add up across nodes, and the dispatcher hands out the
// live gateways in a stable per-user order and fails over when one stops.
// (A gateway that dies without deregistering ages out of the registry: see
// the registry contract.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, readJson, signedInit, userIdentity } from '@bamboo/testing';
import { DanmakuClient } from '../src/client/client.js';
import type { RoomMessage } from '../src/stores/room-bus.js';
import { KEY, eventually, post, redisNamespace, startNode, type Node } from './harness.js';

const gift = (n: number) => ({ roomId: '42', type: 'gift', priority: 'high', body: { n }, idempotencyKey: `c-${n}-${Math.random()}` });

describeRedis('two homer nodes on one Redis', (url) => {
  const ns = redisNamespace(url);
  let a: Node;
  let b: Node;
  beforeAll(async () => {
    const env = { HOMER_REGISTER_EVERY_MS: '100', HOMER_GATEWAY_TTL_MS: '400' };
    a = await startNode({ redis: ns, env: { ...env, HOMER_REGION: 'east', HOMER_ISP: 'telecom' } });
    b = await startNode({ redis: ns, env: { ...env, HOMER_REGION: 'west', HOMER_ISP: 'unicom' } });
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await ns.clean();
  });

  it('delivers a room message to members on both nodes, in order, sent through either', async () => {
    const onA: RoomMessage[] = [];
    const onB: RoomMessage[] = [];
    const ca = await DanmakuClient.tcp(a.address.tcp, { ticket: await a.ticket('42'), heartbeat: false, onMessage: (m) => onA.push(m) });
    const cb = await DanmakuClient.ws(b.address.ws, { ticket: await b.ticket('42'), heartbeat: false, onMessage: (m) => onB.push(m) });
    const seqs: number[] = [];
    for (let i = 0; i < 20; i++) seqs.push((await post(i % 2 ? a : b, '/internal/broadcast/room', gift(i))).body.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    await eventually(() => onA.length === 20 && onB.length === 20, 'twenty on both nodes');
    expect(onA.map((m) => m.seq)).toEqual(seqs);
    expect(onB).toEqual(onA);
    ca.close();
    cb.close();
  });

  it('sums a room’s online count over the nodes', async () => {
    const clients = [
      await DanmakuClient.tcp(a.address.tcp, { ticket: await a.ticket('43'), heartbeat: false }),
      await DanmakuClient.tcp(a.address.tcp, { ticket: await a.ticket('43'), heartbeat: false }),
      await DanmakuClient.ws(b.address.ws, { ticket: await b.ticket('43'), heartbeat: false }),
    ];
    await Promise.all([a.gateway.beat(), b.gateway.beat()]);
    await Promise.all([a.gateway.beat(), b.gateway.beat()]);
    expect(await clients[2]!.heartbeat()).toEqual({ online: { '43': 3 } });
    expect(await clients[0]!.heartbeat()).toEqual({ online: { '43': 3 } });
    const res = await fetch(`${b.url}/v1/danmaku/rooms/43/online`);
    expect(await readJson(res)).toEqual({ room: '43', online: 3 });
    clients.forEach((c) => c.close());
  });

  it('resumes on the other node after its gateway goes away', async () => {
    const first: RoomMessage[] = [];
    const c = await DanmakuClient.tcp(a.address.tcp, { ticket: await a.ticket('44'), heartbeat: false, onMessage: (m) => first.push(m) });
    await post(a, '/internal/broadcast/room', { ...gift(1), roomId: '44' });
    await eventually(() => first.length === 1, 'first');
    const last = c.lastSeq.get('44')!;
    c.close();
    const missed = [(await post(b, '/internal/broadcast/room', { ...gift(2), roomId: '44' })).body.seq];
    missed.push((await post(a, '/internal/broadcast/room', { ...gift(3), roomId: '44' })).body.seq);
    const second: RoomMessage[] = [];
    const d = await DanmakuClient.ws(b.address.ws, { ticket: await b.ticket('44'), lastSeq: last, heartbeat: false, onMessage: (m) => second.push(m) });
    await eventually(() => second.length === 2, 'the missed two');
    expect(second.map((m) => m.seq)).toEqual(missed);
    d.close();
  });
});

describeRedis('dispatcher', (url) => {
  const ns = redisNamespace(url);
  const nodes: Node[] = [];
  beforeAll(async () => {
    const env = { HOMER_REGISTER_EVERY_MS: '100', HOMER_GATEWAY_TTL_MS: '400', HOMER_DISPATCH_COUNT: '4' };
    for (const [region, isp] of [['east', 'telecom'], ['east', 'unicom'], ['west', 'telecom'], ['west', 'unicom']] as const) {
      nodes.push(await startNode({ redis: ns, env: { ...env, HOMER_REGION: region, HOMER_ISP: isp } }));
    }
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await ns.clean();
  });

  const dispatch = async (node: Node, uid: string, query: string) => {
    const path = query ? `/v1/danmaku/dispatch?${query}` : '/v1/danmaku/dispatch';
    return readJson(await fetch(node.url + path, signedInit(KEY, path, { identity: userIdentity(uid) })));
  };

  it('puts the same region and ISP first, then the same region', async () => {
    const res = await dispatch(nodes[3]!, 'u1', 'region=east&isp=unicom&room=42');
    expect(res.heartbeatMs).toBe(30_000);
    expect(res.gateways).toHaveLength(4);
    expect(res.gateways.slice(0, 2).map((g: { region: string; isp: string }) => `${g.region}/${g.isp}`)).toEqual(['east/unicom', 'east/telecom']);
    expect(res.gateways[0]).toEqual(nodes[1]!.address);
  });

  it('gives each user a stable order and spreads users over gateways', async () => {
    const firsts = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const uid = `user-${i}`;
      const one = await dispatch(nodes[0]!, uid, '');
      const two = await dispatch(nodes[2]!, uid, '');
      expect(two.gateways).toEqual(one.gateways);
      firsts.set(one.gateways[0].id, (firsts.get(one.gateways[0].id) ?? 0) + 1);
    }
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('drops a gateway that stops, and its users fail over to the next in their list', async () => {
    const before = (await dispatch(nodes[0]!, 'u-failover', '')).gateways;
    const victim = nodes.find((n) => n.address.id === before[0].id)!;
    await victim.stop();
    const after = (await dispatch(nodes.find((n) => n !== victim)!, 'u-failover', '')).gateways;
    expect(after).toEqual(before.slice(1));
    const client = await DanmakuClient.tcp(after[0].tcp, { ticket: await nodes.find((n) => n !== victim)!.ticket('42'), heartbeat: false });
    expect(client.auth?.room).toBe('42');
    client.close();
  });
});
