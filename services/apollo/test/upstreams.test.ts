// Upstream instances: round robin, one retry for idempotent calls, active
// health checks taking a dead instance out, a circuit breaker per instance.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readJson } from '@bamboo/testing';
import { admin, fakeService, onCleanup, startApollo } from './helpers.js';

const DEAD = 'http://127.0.0.1:1';

describe('several instances', () => {
  it('spreads requests round robin', async () => {
    const one = await fakeService();
    const two = await fakeService();
    const node = await startApollo();
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', upstreams: [one.url, two.url], auth: 'public' }]);
    for (let i = 0; i < 4; i++) expect((await fetch(`${node.url}/v1/rooms/${i}`)).status).toBe(200);
    expect([one.seen.length, two.seen.length]).toEqual([2, 2]);
  });

  it('retries an idempotent call once on another instance, never a POST', async () => {
    const live = await fakeService();
    const node = await startApollo();
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', upstreams: [DEAD, live.url], auth: 'public' }]);
    expect((await fetch(`${node.url}/v1/rooms/1`)).status).toBe(200); // dead first, retried on live
    expect((await fetch(`${node.url}/v1/rooms/2`, { method: 'POST' })).status).toBe(200); // live first
    const post = await fetch(`${node.url}/v1/rooms/3`, { method: 'POST' }); // dead first: no retry
    expect(post.status).toBe(503);
    expect(live.seen.map((s) => s.method)).toEqual(['GET', 'POST']);
  });

  it('takes an instance that fails its health checks out of the rotation, and back when it recovers', async () => {
    const live = await fakeService();
    const flaky = await fakeService();
    const node = await startApollo();
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', upstreams: [flaky.url, live.url], auth: 'public' }]);
    await flaky.close();
    await node.apollo.health.probeAll();
    await node.apollo.health.probeAll();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${node.url}/v1/rooms/${i}`, { method: 'POST' })).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(live.seen).toHaveLength(4);
    const view = await readJson(await admin(node.url, 'GET', '/admin/routes'));
    expect(view.upstreams[flaky.url].health).toBe('unhealthy');
    expect(view.upstreams[live.url].health).toBe('healthy');
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures and answers 503 circuit_open without calling the instance', async () => {
    const node = await startApollo({ VILLA_URL: DEAD, APOLLO_BREAKER_RESET_MS: '60000' });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', auth: 'public' }]);
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await readJson(await fetch(`${node.url}/v1/rooms/1`, { method: 'POST' }))).error.code);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('upstream_unavailable'));
    expect(codes.slice(5)).toEqual(['circuit_open', 'circuit_open']);
    const view = await readJson(await admin(node.url, 'GET', '/admin/routes'));
    expect(view.upstreams[DEAD].circuit).toBe('open');
  });

  it('lets a trial call through after the reset time and closes again when the instance has recovered', async () => {
    // An instance that hangs up on every request while broken (a 502 that counts as a failure).
    let broken = true;
    const server = createServer((req, res) => {
      if (broken) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => server.close(() => resolve())));
    const flaky = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const live = await fakeService();
    const node = await startApollo({ APOLLO_BREAKER_RESET_MS: '300' });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', upstreams: [flaky, live.url], auth: 'public' }]);
    const post = () => fetch(`${node.url}/v1/rooms/1`, { method: 'POST' });
    for (let i = 0; i < 10; i++) await post(); // half of them on the broken instance
    const circuit = async () => (await readJson(await admin(node.url, 'GET', '/admin/routes'))).upstreams[flaky].circuit;
    expect(await circuit()).toBe('open');
    const before = live.seen.length;
    for (let i = 0; i < 4; i++) expect((await post()).status).toBe(200); // all on the live instance while open
    expect(live.seen.length - before).toBe(4);

    broken = false;
    await new Promise((r) => setTimeout(r, 350));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post()).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(await circuit()).toBe('closed');
    expect(live.seen.length - before).toBeLessThan(8); // the recovered instance takes its share again
  });
});
