import { describe, expect, it } from 'vitest';
import { createRoute, z } from '@hono/zod-openapi';
import { json, testApp } from './helpers.js';
import { ConflictError } from '../src/errors.js';

function appWithRoutes() {
  const { app } = testApp();
  const items: string[] = [];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/items',
      request: {
        body: {
          content: {
            'application/json': { schema: z.object({ title: z.string().min(1), count: z.number().int().positive() }) },
          },
        },
      },
      responses: { 201: { description: 'created', content: { 'application/json': { schema: z.object({ n: z.number() }) } } } },
    }),
    (c) => {
      items.push(c.req.valid('json').title);
      return c.json({ n: items.length }, 201);
    },
  );
  app.get('/boom', () => {
    throw new Error('kaboom');
  });
  app.get('/conflict', () => {
    throw new ConflictError('already there', 'duplicate_item');
  });
  return { app, items };
}

const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('service app', () => {
  it('accepts valid input', async () => {
    const { app, items } = appWithRoutes();
    const res = await app.request('/items', post(JSON.stringify({ title: 'a', count: 1 })));
    expect(res.status).toBe(201);
    expect(items).toEqual(['a']);
  });

  it('refuses invalid input with a 400 naming the field, and changes nothing', async () => {
    const { app, items } = appWithRoutes();
    const res = await app.request('/items', post(JSON.stringify({ title: '', count: 1 })));
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toContain('json.title');
    expect(items).toEqual([]);
  });

  it('refuses malformed JSON with a 400 in the error shape', async () => {
    const { app } = appWithRoutes();
    const res = await app.request('/items', post('{not json'));
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('invalid_request');
  });

  it('renders typed errors with their status and code', async () => {
    const { app } = appWithRoutes();
    const res = await app.request('/conflict');
    expect(res.status).toBe(409);
    expect(await json(res)).toEqual({ error: { code: 'duplicate_item', message: 'already there' } });
  });

  it('turns an unexpected exception into a 500 and keeps serving (panic filter)', async () => {
    const { app } = appWithRoutes();
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({ error: { code: 'internal_error', message: 'internal server error' } });
    const next = await app.request('/healthz');
    expect(next.status).toBe(200);
  });

  it('answers unknown routes with a 404 in the error shape', async () => {
    const { app } = appWithRoutes();
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
  });

  it('keeps a sane x-request-id and sets one otherwise', async () => {
    const { app } = appWithRoutes();
    const kept = await app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const made = await app.request('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('x-bamboo-service')).toBe('testsvc');
  });

  it('counts requests per route pattern in /metrics', async () => {
    const { app } = appWithRoutes();
    await app.request('/items', post(JSON.stringify({ title: 'a', count: 1 })));
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/items"[^}]*status="201"[^}]*\} 1/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('serves an OpenAPI 3.1 document listing the routes', async () => {
    const { app } = appWithRoutes();
    const doc = await json(await app.request('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/items', '/healthz', '/readyz', '/metrics']));
  });
});

describe('readiness', () => {
  it('is 200 when every check answers and 503 naming the failing store otherwise', async () => {
    let redisUp = true;
    const { app } = testApp({
      docs: async () => {},
      hot: async () => {
        if (!redisUp) throw new Error('connection refused');
      },
    });
    const ok = await app.request('/readyz');
    expect(ok.status).toBe(200);
    expect((await json(ok)).checks).toEqual({ docs: 'ok', hot: 'ok' });
    redisUp = false;
    const down = await app.request('/readyz');
    expect(down.status).toBe(503);
    const body = await json(down);
    expect(body.error.code).toBe('not_ready');
    expect(body.error.message).toContain('hot: connection refused');
  });

  it('treats a check that hangs as down', async () => {
    const { app } = createHanging();
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
  });
});

function createHanging() {
  return testApp({ slow: () => new Promise(() => {}) });
}
