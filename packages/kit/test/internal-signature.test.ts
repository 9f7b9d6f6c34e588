import { describe, expect, it } from 'vitest';
import { signatureHeaders } from '../src/internal-signature.js';
import { KEY, json, testApp } from './helpers.js';

function appWithInternalRoute() {
  const { app } = testApp();
  app.post('/internal/echo', async (c) => c.json({ caller: c.get('caller'), body: await c.req.json() }));
  return app;
}

function signed(key: string, body: string, timestampMs = Date.now(), path = '/internal/echo?x=1') {
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      ...signatureHeaders(key, { method: 'POST', pathWithQuery: path, body, caller: 'villa', timestampMs }),
    },
  };
}

describe('internal signature', () => {
  const body = JSON.stringify({ hello: 'world' });

  it('accepts a correctly signed call and tells the handler who called', async () => {
    const res = await appWithInternalRoute().request('/internal/echo?x=1', signed(KEY, body));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ caller: 'villa', body: { hello: 'world' } });
  });

  it('refuses an unsigned call with 401', async () => {
    const res = await appWithInternalRoute().request('/internal/echo?x=1', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe('invalid_signature');
  });

  it('refuses a call signed with the wrong key', async () => {
    const res = await appWithInternalRoute().request('/internal/echo?x=1', signed('another-key-0123456789', body));
    expect(res.status).toBe(401);
  });

  it('refuses a stale timestamp', async () => {
    const res = await appWithInternalRoute().request('/internal/echo?x=1', signed(KEY, body, Date.now() - 60_000));
    expect(res.status).toBe(401);
    expect((await json(res)).error.message).toContain('stale');
  });

  it('refuses a signature replayed on another path or with another body', async () => {
    const app = appWithInternalRoute();
    const otherQuery = await app.request('/internal/echo?x=2', signed(KEY, body));
    expect(otherQuery.status).toBe(401);
    const init = signed(KEY, body);
    const tampered = await app.request('/internal/echo?x=1', { ...init, body: JSON.stringify({ hello: 'evil' }) });
    expect(tampered.status).toBe(401);
  });

  it('leaves public routes open', async () => {
    const res = await appWithInternalRoute().request('/healthz');
    expect(res.status).toBe(200);
  });
});
