import { afterEach, describe, expect, it } from 'vitest';
import { z } from '@hono/zod-openapi';
import { createServiceClient } from '../src/service-client.js';
import { listen, type RunningServer } from '../src/server.js';
import { runWithRequestId } from '../src/request-context.js';
import { KEY, testApp } from './helpers.js';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close(1_000);
  running = undefined;
});

async function upstream() {
  const { app } = testApp();
  const seen = { calls: 0, failuresLeft: 0, requestIds: [] as string[] };
  app.all('/internal/flaky', (c) => {
    seen.calls++;
    seen.requestIds.push(c.req.header('x-request-id') ?? '');
    if (seen.failuresLeft > 0) {
      seen.failuresLeft--;
      return c.json({ error: { code: 'busy', message: 'try later' } }, 503);
    }
    return c.json({ ok: true, caller: c.get('caller') });
  });
  app.get('/internal/slow', async (c) => {
    await new Promise((r) => setTimeout(r, 1_000));
    return c.json({ ok: true });
  });
  app.get('/internal/missing', (c) => c.json({ error: { code: 'room_not_found', message: 'no such room' } }, 404));
  running = await listen('upstream', app.fetch, { port: 0, host: '127.0.0.1' });
  return { seen, baseUrl: `http://127.0.0.1:${running.port}` };
}

const client = (baseUrl: string, extra: Partial<Parameters<typeof createServiceClient>[0]> = {}) =>
  createServiceClient({ target: 'upstream', baseUrl, caller: 'tester', internalKey: KEY, backoffMs: 10, ...extra });

describe('service client', () => {
  it('signs calls, parses the typed answer and passes the request id on', async () => {
    const { seen, baseUrl } = await upstream();
    const answer = await runWithRequestId('req-42', () =>
      client(baseUrl).call('GET', '/internal/flaky', { schema: z.object({ ok: z.boolean(), caller: z.string() }) }),
    );
    expect(answer).toEqual({ ok: true, caller: 'tester' });
    expect(seen.requestIds).toEqual(['req-42']);
  });

  it('retries an idempotent call on 503 and succeeds', async () => {
    const { seen, baseUrl } = await upstream();
    seen.failuresLeft = 2;
    await expect(client(baseUrl).call('GET', '/internal/flaky')).resolves.toMatchObject({ ok: true });
    expect(seen.calls).toBe(3);
  });

  it('does not retry a POST without an idempotency key', async () => {
    const { seen, baseUrl } = await upstream();
    seen.failuresLeft = 1;
    await expect(client(baseUrl).call('POST', '/internal/flaky', { body: {} })).rejects.toMatchObject({ status: 503 });
    expect(seen.calls).toBe(1);
  });

  it('retries a POST that carries an idempotency key', async () => {
    const { seen, baseUrl } = await upstream();
    seen.failuresLeft = 1;
    await client(baseUrl).call('POST', '/internal/flaky', { body: {}, idempotencyKey: 'op-1' });
    expect(seen.calls).toBe(2);
  });

  it('gives up after the bounded number of attempts', async () => {
    const { seen, baseUrl } = await upstream();
    seen.failuresLeft = 10;
    await expect(client(baseUrl, { attempts: 3 }).call('GET', '/internal/flaky')).rejects.toMatchObject({ status: 503 });
    expect(seen.calls).toBe(3);
  });

  it('passes a downstream 4xx through with its code', async () => {
    const { baseUrl } = await upstream();
    await expect(client(baseUrl).call('GET', '/internal/missing')).rejects.toMatchObject({
      status: 404,
      code: 'room_not_found',
    });
  });

  it('turns a timeout into a 504', async () => {
    const { baseUrl } = await upstream();
    await expect(client(baseUrl, { timeoutMs: 100, attempts: 1 }).call('GET', '/internal/slow')).rejects.toMatchObject({
      status: 504,
    });
  });

  it('turns an unreachable service into a 503 quickly', async () => {
    await expect(client('http://127.0.0.1:1', { attempts: 2 }).call('GET', '/internal/flaky')).rejects.toMatchObject({
      status: 503,
      code: 'upstream_unavailable',
    });
  });
});
