// The kit's headers and request-id propagation as a real client sees them:
// over a socket they are set on node's response, not on the web Response.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from '@hono/zod-openapi';
import { listen, type RunningServer } from '../src/server.js';
import { createServiceClient } from '../src/service-client.js';
import { ValidationError } from '../src/errors.js';
import { KEY, testApp } from './helpers.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(1_000)));
});

async function serve(app: { fetch: (r: Request, env: never) => Response | Promise<Response> }): Promise<string> {
  const running = await listen('testsvc', app.fetch, { port: 0, host: '127.0.0.1' });
  servers.push(running);
  return `http://127.0.0.1:${running.port}`;
}

describe('headers over a socket', () => {
  it('every answer carries x-request-id and x-bamboo-service: JSON, errors, 404, text', async () => {
    const { app } = testApp();
    app.get('/ok', (c) => c.json({ ok: true }));
    app.get('/bad', () => {
      throw new ValidationError('query.x: wrong');
    });
    app.get('/boom', () => {
      throw new Error('kaboom');
    });
    const base = await serve(app);
    for (const [path, status] of [['/ok', 200], ['/bad', 400], ['/boom', 500], ['/nope', 404], ['/metrics', 200]] as const) {
      const res = await fetch(`${base}${path}`, { headers: { 'x-request-id': `trace-${status}` } });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('x-request-id'), path).toBe(`trace-${status}`);
      expect(res.headers.get('x-bamboo-service'), path).toBe('testsvc');
      await res.arrayBuffer();
    }
    const made = await fetch(`${base}/ok`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('content-type')).toBe('application/json');
    expect(await made.json()).toEqual({ ok: true });
  });

  it('a relayed answer keeps the name of the service that gave it', async () => {
    const { app } = testApp();
    app.get('/relayed', () => new Response('{}', { headers: { 'x-bamboo-service': 'villa', 'content-type': 'application/json' } }));
    const res = await fetch(`${await serve(app)}/relayed`, { headers: { 'x-request-id': 'trace-r' } });
    expect(res.headers.get('x-bamboo-service')).toBe('villa');
    expect(res.headers.get('x-request-id')).toBe('trace-r');
  });

  it('passes the request id on to the services a handler calls', async () => {
    const back = testApp().app;
    back.get('/internal/echo', (c) => c.json({ requestId: c.req.header('x-request-id') ?? null }));
    const backUrl = await serve(back);
    const client = createServiceClient({ target: 'back', baseUrl: backUrl, caller: 'front', internalKey: KEY });
    const front = testApp().app;
    front.get('/v1/hop', async (c) =>
      c.json(await client.call('GET', '/internal/echo', { schema: z.object({ requestId: z.string().nullable() }) })),
    );
    const frontUrl = await serve(front);
    const answers = await Promise.all(
      ['hop-1', 'hop-2', 'hop-3'].map(async (id) => (await fetch(`${frontUrl}/v1/hop`, { headers: { 'x-request-id': id } })).json()),
    );
    expect(answers).toEqual([{ requestId: 'hop-1' }, { requestId: 'hop-2' }, { requestId: 'hop-3' }]);
  });
});
