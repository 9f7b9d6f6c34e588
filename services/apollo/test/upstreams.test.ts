// Upstream instances: round robin, one retry for idempotent calls, active
// health checks taking a dead instance out, a circuit breaker per instance.
import { describe, expect, it } from 'vitest';
import { readJson } from '@bamboo/testing';
import { admin, fakeService, startApollo } from './helpers.js';

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
});
