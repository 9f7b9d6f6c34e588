// The pass-through: route matching, forwarding with the internal signature
// and apollo-set identity headers, and upstream failures as 503/504/502.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@bamboo/kit';
import { readJson } from '@bamboo/testing';
import { configShape } from '../src/config.js';
import { loadRoutes, matchRoute } from '../src/routing/route-table.js';
import { DEMO, KEY, accessToken, fakeService, onCleanup, startApollo } from './helpers.js';

/** Something that speaks broken HTTP on a port. */
async function garbageServer(): Promise<string> {
  const server: Server = createServer();
  server.on('connection', (socket) => socket.end('this is not http\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('route table', () => {
  const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: KEY, VILLA_URL: 'http://a:1' });
  const routes = loadRoutes(undefined, { ...config, MAGI_URL: 'http://b:1,http://c:1' });
  it('matches on segment boundaries only', () => {
    expect(matchRoute(routes, '/v1/rooms')?.service).toBe('villa');
    expect(matchRoute(routes, '/v1/rooms/42')?.service).toBe('villa');
    expect(matchRoute(routes, '/v1/roomsevil')).toBeUndefined();
    expect(matchRoute(routes, '/v1/wallets/7')?.upstreams).toEqual(['http://b:1', 'http://c:1']);
  });
  it('lets anonymous viewers ask for a danmaku ticket, and nothing else of homer', () => {
    expect(matchRoute(routes, '/v1/danmaku/tickets')).toMatchObject({ service: 'homer', auth: 'public' });
    expect(matchRoute(routes, '/v1/danmaku/rooms/1/messages')).toMatchObject({ service: 'homer', auth: 'writes' });
  });
  it('gives writes on gifts and danmaku their own limit groups', () => {
    expect(matchRoute(routes, '/v1/gifts/send')?.writeGroup).toBe('gifts.send');
    expect(matchRoute(routes, '/v1/danmaku/rooms/1')?.writeGroup).toBe('danmaku.send');
    expect(matchRoute(routes, '/v1/rooms/1')).toMatchObject({ readGroup: 'read', writeGroup: 'write', auth: 'writes' });
  });
});

describe('forwarding', () => {
  it('forwards a public prefix, strips spoofed identity headers, sets its own and signs the call', async () => {
    const villa = await fakeService();
    const { url: apollo } = await startApollo({ VILLA_URL: villa.url });
    const token = await accessToken(apollo, DEMO.id, DEMO.secret);
    const res = await fetch(`${apollo}/v1/rooms/42?x=1`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-bamboo-user-id': 'admin',
        'x-bamboo-scopes': 'admin',
        'x-request-id': 'trace-1',
        'x-forwarded-for': '203.0.113.9',
      },
      body: JSON.stringify({ title: 'hi' }),
    });
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ room: '42' });
    expect(res.headers.get('x-bamboo-service')).toBe('villa');
    const [hit] = villa.seen;
    expect(hit?.path).toBe('/v1/rooms/42?x=1');
    expect(hit?.body).toBe('{"title":"hi"}');
    expect(hit?.headers.get('x-bamboo-user-id')).toBeNull();
    expect(hit?.headers.get('x-bamboo-client-id')).toBe(DEMO.id);
    expect(hit?.headers.get('x-bamboo-scopes')).toBe('read write users:issue');
    expect(hit?.headers.get('x-bamboo-auth-method')).toBe('oauth');
    expect(hit?.headers.get('authorization')).toBeNull();
    expect(hit?.headers.get('x-request-id')).toBe('trace-1');
    expect(hit?.headers.get('x-forwarded-for')).toBe('127.0.0.1'); // apollo's own view of the caller, not the caller's claim
    expect(hit?.signatureOk).toBe(true);
  });

  it('lets anonymous reads through as anonymous, spoofed headers removed', async () => {
    const villa = await fakeService();
    const { url: apollo } = await startApollo({ VILLA_URL: villa.url });
    const res = await fetch(`${apollo}/v1/rooms/7`, { headers: { 'x-bamboo-client-id': 'evil', 'x-bamboo-auth-method': 'internal' } });
    expect(res.status).toBe(200);
    expect(villa.seen[0]?.headers.get('x-bamboo-auth-method')).toBe('anonymous');
    expect(villa.seen[0]?.headers.get('x-bamboo-client-id')).toBeNull();
  });

  it('answers 503 in the error shape when the service is down', async () => {
    const { url: apollo } = await startApollo({ VILLA_URL: 'http://127.0.0.1:1' });
    const res = await fetch(`${apollo}/v1/rooms/1`);
    expect(res.status).toBe(503);
    expect((await readJson(res)).error.code).toBe('upstream_unavailable');
  });

  it('answers 504 when the service is too slow', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', timeoutMs: 300 }]);
    const res = await fetch(`${node.url}/v1/rooms/slow`);
    expect(res.status).toBe(504);
    expect((await readJson(res)).error.code).toBe('upstream_timeout');
  });

  it('answers 502 when the service speaks garbage', async () => {
    const { url: apollo } = await startApollo({ VILLA_URL: await garbageServer() });
    const token = await accessToken(apollo, DEMO.id, DEMO.secret);
    const res = await fetch(`${apollo}/v1/rooms/1`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(502);
    expect((await readJson(res)).error.code).toBe('bad_gateway');
  });

  it('answers 404 for a path no service owns', async () => {
    const { url: apollo } = await startApollo({});
    const res = await fetch(`${apollo}/v1/nothing`);
    expect(res.status).toBe(404);
  });

  it('refuses a body over the limit with 413, forwarding nothing', async () => {
    const villa = await fakeService();
    const { url: apollo } = await startApollo({ VILLA_URL: villa.url, APOLLO_MAX_BODY_BYTES: '1000' });
    const res = await fetch(`${apollo}/v1/rooms/1`, { method: 'POST', body: 'x'.repeat(5_000) });
    expect(res.status).toBe(413);
    expect(villa.seen).toHaveLength(0);
  });

  it('refuses a body over the route\'s own limit with 413', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', auth: 'public', maxBodyBytes: 10 }]);
    const res = await fetch(`${node.url}/v1/rooms/1`, { method: 'POST', body: 'x'.repeat(11) });
    expect(res.status).toBe(413);
    expect((await fetch(`${node.url}/v1/rooms/1`, { method: 'POST', body: 'x'.repeat(10) })).status).toBe(200);
    expect(villa.seen).toHaveLength(1);
  });

  it('counts requests and refusals per client in /metrics', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const token = await accessToken(url, DEMO.id, DEMO.secret);
    await fetch(`${url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${url}/v1/rooms/1`, { method: 'POST' });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/apollo_requests_total\{client="demo-app",route="\/v1\/rooms",status="200"[^}]*\} 1/);
    expect(text).toMatch(/apollo_refused_total\{client="anonymous",route="\/v1\/rooms",reason="unauthorized"[^}]*\} 1/);
    expect(text).toContain('apollo_request_duration_seconds_bucket');
  });

  it('refuses a method the route does not allow with 405 and Allow', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', methods: ['GET'] }]);
    const res = await fetch(`${node.url}/v1/rooms/1`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(villa.seen).toHaveLength(0);
  });
});

describe('public API document', () => {
  it('merges the public paths of services and serves /docs', async () => {
    const villa = await fakeService();
    const { url: apollo } = await startApollo({ VILLA_URL: villa.url });
    const doc = await readJson(await fetch(`${apollo}/openapi.json`));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/oauth/token', '/admin/clients', '/v1/auth/user-tokens']));
    expect(doc.info.description).toContain('Not included');
    const verdict = await new Validator().validate(doc);
    expect(verdict.errors ?? []).toEqual([]);
    const docs = await fetch(`${apollo}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });
});
