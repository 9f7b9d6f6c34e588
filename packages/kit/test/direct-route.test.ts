// A direct route answers over a socket exactly what the Hono app answers
// in process (app.request), and is counted and logged the same way.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createRoute, z } from '@hono/zod-openapi';
import { pino } from 'pino';
import { createServiceApp } from '../src/app.js';
import { DirectReply, addDirectJsonRoute } from '../src/direct-route.js';
import { ConflictError, ForbiddenError } from '../src/errors.js';
import { identityHeaders } from '../src/identity.js';
import { signatureHeaders } from '../src/internal-signature.js';
import { listen, type RunningServer } from '../src/server.js';
import { KEY } from './helpers.js';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close(1_000);
  running = undefined;
});

const Item = z.object({ title: z.string().min(1), n: z.number().int() });

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = pino({ level: 'info', base: { service: 'testsvc' } }, sink);
  const { app } = createServiceApp({ service: 'testsvc', logger, internalKey: KEY, maxSkewMs: 30_000 });
  const seen = { hono: 0 };
  app.use('/v1/items', async (_c, next) => {
    seen.hono += 1;
    await next();
  });
  addDirectJsonRoute(app, {
    route: createRoute({
      method: 'post',
      path: '/v1/items',
      request: { body: { required: true, content: { 'application/json': { schema: Item } } } },
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({}).passthrough() } } } },
    }),
    schema: Item,
    maxBodyBytes: 4096,
    handler: async (item, call) => {
      if (item.title === 'new') return new DirectReply({ created: item.n }, 201, { 'x-item-replayed': 'false' });
      if (item.title === 'taken') throw new ConflictError('already there', 'duplicate_item');
      if (item.title === 'boom') throw new Error('kaboom');
      if (item.title === 'mine' && call.identity.userId !== 'alice') throw new ForbiddenError('not yours');
      return { ...item, user: call.identity.userId ?? null, method: call.identity.method, requestId: call.requestId };
    },
  });
  return { app, seen, lines };
}

/** direct: answered without the Hono app; null where the app refuses before the marker (a bad signature). */
type Case = { name: string; body: string; headers?: Record<string, string>; status: number; direct: boolean | null };

function signed(body: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...signatureHeaders(KEY, { method: 'POST', pathWithQuery: '/v1/items', body, caller: 'apollo', timestampMs: Date.now() }),
    ...identityHeaders({ method: 'user-token', userId: 'alice', scopes: [] }),
    ...extra,
  };
}

const json = { 'content-type': 'application/json' };
const cases: Case[] = [
  { name: 'valid', body: '{"title":"a","n":1}', headers: json, status: 200, direct: true },
  { name: 'charset', body: '{"title":"a","n":2}', headers: { 'content-type': 'application/json; charset=utf-8' }, status: 200, direct: true },
  { name: 'field refused', body: '{"title":"","n":1}', headers: json, status: 400, direct: false },
  { name: 'malformed', body: '{"title":', headers: json, status: 400, direct: false },
  { name: 'no content type', body: '{"title":"a","n":1}', status: 415, direct: false },
  { name: 'text', body: 'hello', headers: { 'content-type': 'text/plain' }, status: 415, direct: false },
  { name: 'typed error', body: '{"title":"taken","n":1}', headers: json, status: 409, direct: true },
  { name: 'unexpected error', body: '{"title":"boom","n":1}', headers: json, status: 500, direct: true },
  { name: 'anonymous refused', body: '{"title":"mine","n":1}', headers: json, status: 403, direct: true },
  { name: 'reply with status', body: '{"title":"new","n":7}', headers: json, status: 201, direct: true },
];

describe('direct JSON route', () => {
  it('answers over a socket what the app answers in process, and hands refusals to the app', async () => {
    const { app, seen } = setup();
    running = await listen('testsvc', app.fetch, { port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${running.port}/v1/items`;
    const signedBody = '{"title":"mine","n":3}';
    const all: Case[] = [
      ...cases,
      { name: 'signed user', body: signedBody, headers: signed(signedBody, json), status: 200, direct: true },
      { name: 'bad signature', body: signedBody, headers: signed('{"other":1}', json), status: 401, direct: null },
    ];
    for (const c of all) {
      const init = () => ({ method: 'POST', body: c.body, headers: { 'x-request-id': `id-${c.status}`, ...c.headers } });
      const before = seen.hono;
      const overSocket = await fetch(url, init());
      if (c.direct !== null) expect(seen.hono - before, `${c.name}: served directly or by the app`).toBe(c.direct ? 0 : 1);
      const inProcess = await app.request('/v1/items', init());
      expect(overSocket.status, c.name).toBe(c.status);
      expect(inProcess.status, c.name).toBe(c.status);
      expect(await overSocket.json(), c.name).toEqual(await inProcess.json());
      for (const h of ['x-request-id', 'x-bamboo-service', 'content-type', 'x-item-replayed']) {
        expect(overSocket.headers.get(h), `${c.name} ${h}`).toBe(inProcess.headers.get(h));
      }
    }
  });

  it('counts and logs a direct answer like any other request', async () => {
    const { app, lines } = setup();
    running = await listen('testsvc', app.fetch, { port: 0, host: '127.0.0.1' });
    const post = (title: string) =>
      fetch(`http://127.0.0.1:${running!.port}/v1/items`, { method: 'POST', headers: json, body: JSON.stringify({ title, n: 1 }) });
    expect((await post('a')).status).toBe(200);
    expect((await post('b')).status).toBe(200);
    expect((await post('taken')).status).toBe(409);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/http_requests_total\{[^}]*method="POST",route="\/v1\/items",status="200"[^}]*\} 2/);
    expect(metrics).toMatch(/http_requests_total\{[^}]*method="POST",route="\/v1\/items",status="409"[^}]*\} 1/);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'POST', path: '/v1/items', status: 200 },
      { method: 'POST', path: '/v1/items', status: 200 },
      { method: 'POST', path: '/v1/items', status: 409 },
    ]);
    expect(requests.every((l) => typeof l.reqId === 'string' && l.service === 'testsvc')).toBe(true);
  });

  it('refuses a body over its limit with 413 while reading it, over a socket', async () => {
    const { app, seen } = setup();
    running = await listen('testsvc', app.fetch, { port: 0, host: '127.0.0.1' });
    const res = await fetch(`http://127.0.0.1:${running.port}/v1/items`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ title: 'x'.repeat(64 * 1024), n: 1 }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: 'the request body is too large' } });
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(seen.hono).toBe(0);
  });

  it('is refused for anything but a POST to an exact /v1/ path', () => {
    const { app } = setup();
    const route = (method: 'post' | 'get', path: string) =>
      createRoute({ method, path, responses: { 200: { description: 'ok' } } });
    expect(() => addDirectJsonRoute(app, { route: route('get', '/v1/x'), schema: Item, handler: async () => ({}) })).toThrow();
    expect(() => addDirectJsonRoute(app, { route: route('post', '/v1/x/{id}'), schema: Item, handler: async () => ({}) })).toThrow();
    expect(() => addDirectJsonRoute(app, { route: route('post', '/internal/x'), schema: Item, handler: async () => ({}) })).toThrow();
  });
});
