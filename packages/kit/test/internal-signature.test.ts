import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodyDigest, computeSignature, hmacSha256Hex, signatureHeaders } from '../src/internal-signature.js';
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

describe('signature arithmetic', () => {
  it('computes HMAC-SHA256 as createHmac does, for short, block-sized and long keys and messages', () => {
    for (const key of ['k', 'test-internal-key-0123456789', 'x'.repeat(64), 'y'.repeat(65), 'ключ-🔑'.repeat(20)]) {
      for (const message of ['', 'GET\n/internal/x?a=1\nabc\n1\nmagi', 'ü'.repeat(500), 'z'.repeat(5000)]) {
        expect(hmacSha256Hex(key, message)).toBe(createHmac('sha256', key).update(message).digest('hex'));
      }
    }
  });

  it('digests bodies as SHA-256 of their bytes, strings and byte arrays alike', () => {
    const text = '{"a":"ü"}';
    const expected = createHash('sha256').update(text).digest('hex');
    expect(bodyDigest(text)).toBe(expected);
    const bytes = new TextEncoder().encode(`xx${text}`).subarray(2); // a view into a larger buffer
    expect(bodyDigest(bytes)).toBe(expected);
    expect(bodyDigest(undefined)).toBe(createHash('sha256').update('').digest('hex'));
    expect(bodyDigest(new Uint8Array())).toBe(bodyDigest(''));
    const input = { method: 'post', pathWithQuery: '/p?q=1', body: text, caller: 'magi', timestampMs: 1_700_000_000_000 };
    const canonical = `POST\n/p?q=1\n${expected}\n1700000000000\nmagi`;
    expect(computeSignature(KEY, input)).toBe(`v1=${createHmac('sha256', KEY).update(canonical).digest('hex')}`);
  });
});
