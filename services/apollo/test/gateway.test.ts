import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createServiceApp, listen, loadConfig, verifySignature, type RunningServer } from '@bamboo/kit';
import { createApp } from '../src/app.js';
import { configShape } from '../src/config.js';
import { loadRoutes, matchRoute } from '../src/routing/route-table.js';
import { Proxy } from '../src/routing/proxy.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const KEY = 'apollo-test-internal-key-0123';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** A stand-in villa: records what reached it and answers like a service. */
async function fakeVilla() {
  const seen: Array<{ path: string; headers: Headers; body: string; signatureOk: boolean }> = [];
  const { app } = createServiceApp({ service: 'villa', logger: createLogger('villa', 'silent'), internalKey: KEY });
  app.all('/v1/rooms/*', async (c) => {
    const body = await c.req.text();
    const url = new URL(c.req.url);
    const verdict = verifySignature(KEY, {
      method: c.req.method,
      pathWithQuery: url.pathname + url.search,
      body: body ? new TextEncoder().encode(body) : undefined,
      headers: { get: (n) => c.req.header(n) },
      nowMs: Date.now(),
      maxSkewMs: 30_000,
    });
    seen.push({ path: url.pathname + url.search, headers: c.req.raw.headers, body, signatureOk: verdict.ok });
    if (c.req.path === '/v1/rooms/slow') await new Promise((r) => setTimeout(r, 2_000));
    return c.json({ room: c.req.path.split('/').at(-1) }, 200);
  });
  const running = await listen('villa', app.fetch, { port: 0, host: '127.0.0.1' });
  closers.push(() => running.close(500));
  return { seen, url: `http://127.0.0.1:${running.port}` };
}

/** Something that speaks broken HTTP on a port. */
async function garbageServer(): Promise<string> {
  const server: Server = createServer();
  server.on('connection', (socket) => socket.end('this is not http\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function gateway(env: Record<string, string>, timeoutMs = 5_000): Promise<string> {
  const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: KEY, LOG_LEVEL: 'silent', ...env });
  const routes = loadRoutes(undefined, config).map((r) => ({ ...r, timeoutMs }));
  const proxy = new Proxy(KEY);
  const app = createApp({ config, logger: createLogger('apollo', 'silent'), routes, proxy });
  const running: RunningServer = await listen('apollo', app.fetch, { port: 0, host: '127.0.0.1' });
  closers.push(async () => {
    await running.close(500);
    await proxy.close();
  });
  return `http://127.0.0.1:${running.port}`;
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
});

describe('forwarding', () => {
  it('forwards a public prefix, strips spoofed identity headers and signs the call', async () => {
    const villa = await fakeVilla();
    const apollo = await gateway({ VILLA_URL: villa.url });
    const res = await fetch(`${apollo}/v1/rooms/42?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bamboo-user-id': 'admin', 'x-request-id': 'trace-1' },
      body: JSON.stringify({ title: 'hi' }),
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ room: '42' });
    expect(res.headers.get('x-bamboo-service')).toBe('villa');
    const [hit] = villa.seen;
    expect(hit?.path).toBe('/v1/rooms/42?x=1');
    expect(hit?.body).toBe('{"title":"hi"}');
    expect(hit?.headers.get('x-bamboo-user-id')).toBeNull();
    expect(hit?.headers.get('x-request-id')).toBe('trace-1');
    expect(hit?.signatureOk).toBe(true);
  });

  it('answers 503 in the error shape when the service is down', async () => {
    const apollo = await gateway({ VILLA_URL: 'http://127.0.0.1:1' });
    const res = await fetch(`${apollo}/v1/rooms/1`);
    expect(res.status).toBe(503);
    expect((await json(res)).error.code).toBe('upstream_unavailable');
  });

  it('answers 504 when the service is too slow', async () => {
    const villa = await fakeVilla();
    const apollo = await gateway({ VILLA_URL: villa.url }, 300);
    const res = await fetch(`${apollo}/v1/rooms/slow`);
    expect(res.status).toBe(504);
    expect((await json(res)).error.code).toBe('upstream_timeout');
  });

  it('answers 502 when the service speaks garbage', async () => {
    const apollo = await gateway({ VILLA_URL: await garbageServer() });
    const res = await fetch(`${apollo}/v1/rooms/1`, { method: 'POST' });
    expect(res.status).toBe(502);
    expect((await json(res)).error.code).toBe('bad_gateway');
  });

  it('answers 404 for a path no service owns', async () => {
    const apollo = await gateway({});
    const res = await fetch(`${apollo}/v1/nothing`);
    expect(res.status).toBe(404);
  });

  it('refuses a body over the limit with 413', async () => {
    const villa = await fakeVilla();
    const apollo = await gateway({ VILLA_URL: villa.url, APOLLO_MAX_BODY_BYTES: '1000' });
    const res = await fetch(`${apollo}/v1/rooms/1`, { method: 'POST', body: 'x'.repeat(5_000) });
    expect(res.status).toBe(413);
    expect(villa.seen).toHaveLength(0);
  });
});

describe('public API document', () => {
  it('merges the public paths of services and serves /docs', async () => {
    const villa = await fakeVilla();
    const apollo = await gateway({ VILLA_URL: villa.url });
    const doc = await json(await fetch(`${apollo}/openapi.json`));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/healthz');
    expect(doc.info.description).toContain('Not included');
    const docs = await fetch(`${apollo}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });
});
