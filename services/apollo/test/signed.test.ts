// Signed partner requests: the helper's headers are accepted; each kind of
// tampering is refused with its own code, before anything is forwarded.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readJson } from '@bamboo/testing';
import { canonicalString, sortedQuery } from '../src/auth/signed/canonical.js';
import { signRequest } from '../src/auth/signed/sign.js';
import { DEMO, admin, fakeService, startApollo } from './helpers.js';

async function setup() {
  const villa = await fakeService();
  const node = await startApollo({ VILLA_URL: villa.url });
  return { villa, url: node.url };
}

const signed = (method: string, path: string, body?: string, over: Partial<Parameters<typeof signRequest>[0]> = {}) =>
  signRequest({ keyId: DEMO.id, secret: DEMO.secret, method, url: path, ...(body === undefined ? {} : { body }), ...over });

describe('canonical string', () => {
  it('sorts and RFC 3986-encodes the query', () => {
    expect(sortedQuery('?b=2&a=1&a=0&c=x y&d=*')).toBe('a=0&a=1&b=2&c=x%20y&d=%2A');
    expect(canonicalString({ method: 'post', path: '/v1/rooms', query: 'b=1&a=2', bodySha256: 'd', timestamp: '1', nonce: 'n' })).toBe(
      'POST\n/v1/rooms\na=2&b=1\nd\n1\nn',
    );
  });
});

describe('signed requests', () => {
  it('accepts a request signed by the helper and forwards the client identity', async () => {
    const { villa, url } = await setup();
    const body = '{"title":"partner room"}';
    const res = await fetch(`${url}/v1/rooms/9?z=1&a=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed('POST', '/v1/rooms/9?z=1&a=2', body) },
      body,
    });
    expect(res.status).toBe(200);
    const hit = villa.seen[0]!;
    expect(hit.headers.get('x-bamboo-auth-method')).toBe('signed');
    expect(hit.headers.get('x-bamboo-client-id')).toBe(DEMO.id);
    expect(hit.headers.get('x-apollo-signature')).toBeNull();
    expect(hit.signatureOk).toBe(true);
  });

  it.each([
    ['a timestamp outside ±300 s', () => signed('GET', '/v1/rooms/1', undefined, { timestamp: Math.floor(Date.now() / 1000) - 301 }), 'timestamp_skewed'],
    ['a wrong secret', () => signed('GET', '/v1/rooms/1', undefined, { secret: 'not-the-secret' }), 'bad_signature'],
    ['a signature over another path', () => signed('GET', '/v1/rooms/2'), 'bad_signature'],
    ['an unknown key', () => signed('GET', '/v1/rooms/1', undefined, { keyId: 'nobody' }), 'unknown_key'],
    ['a short nonce', () => signed('GET', '/v1/rooms/1', undefined, { nonce: 'abc' }), 'signature_malformed'],
    ['a missing signature', () => ({ ...signed('GET', '/v1/rooms/1'), 'x-apollo-signature': '' }), 'signature_malformed'],
  ])('refuses %s with 401 and a code naming it', async (_label, headers, code) => {
    const { villa, url } = await setup();
    const res = await fetch(`${url}/v1/rooms/1`, { headers: headers() });
    expect(res.status).toBe(401);
    expect((await readJson(res)).error.code).toBe(code);
    expect(villa.seen).toHaveLength(0);
  });

  it('refuses a body that does not match its digest', async () => {
    const { villa, url } = await setup();
    const res = await fetch(`${url}/v1/rooms/1`, { method: 'POST', headers: signed('POST', '/v1/rooms/1', '{"a":1}'), body: '{"a":2}' });
    expect(res.status).toBe(401);
    expect((await readJson(res)).error.code).toBe('digest_mismatch');
    expect(villa.seen).toHaveLength(0);
  });

  it('refuses a replayed nonce', async () => {
    const { villa, url } = await setup();
    const headers = signed('GET', '/v1/rooms/1');
    expect((await fetch(`${url}/v1/rooms/1`, { headers })).status).toBe(200);
    const replay = await fetch(`${url}/v1/rooms/1`, { headers });
    expect(replay.status).toBe(401);
    expect((await readJson(replay)).error.code).toBe('nonce_replayed');
    expect(villa.seen).toHaveLength(1);
  });

  it('refuses signature headers together with an Authorization header', async () => {
    const { url } = await setup();
    const res = await fetch(`${url}/v1/rooms/1`, { headers: { ...signed('GET', '/v1/rooms/1'), authorization: 'Bearer x' } });
    expect(res.status).toBe(400);
  });

  it('honours rotation: the old secret works during the grace period, the new one at once', async () => {
    const { url } = await setup();
    const rotated = await readJson(await admin(url, 'POST', `/admin/clients/${DEMO.id}/rotate`, { graceSeconds: 60 }));
    expect((await fetch(`${url}/v1/rooms/1`, { headers: signed('GET', '/v1/rooms/1') })).status).toBe(200);
    expect((await fetch(`${url}/v1/rooms/1`, { headers: signed('GET', '/v1/rooms/1', undefined, { secret: rotated.secret }) })).status).toBe(200);
    await admin(url, 'POST', `/admin/clients/${DEMO.id}/rotate`, { graceSeconds: 0 });
    const old = await fetch(`${url}/v1/rooms/1`, { headers: signed('GET', '/v1/rooms/1') });
    expect((await readJson(old)).error.code).toBe('bad_signature');
  });
});

describe('scripts/sign.mjs', () => {
  it('prints headers curl can send, from the built helper', async () => {
    const { existsSync } = await import('node:fs');
    const script = new URL('../scripts/sign.mjs', import.meta.url);
    if (!existsSync(new URL('../dist/auth/signed/sign.js', import.meta.url))) {
      await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: new URL('..', import.meta.url) });
    }
    const { url } = await setup();
    const { stdout } = await promisify(execFile)(process.execPath, [script.pathname, '--key', DEMO.id, '--secret', DEMO.secret, 'GET', '/v1/rooms/5?b=1&a=2']);
    const headers = Object.fromEntries(stdout.trim().split('\n').map((line) => line.split(': ') as [string, string]));
    expect(Object.keys(headers)).toEqual(['x-apollo-key', 'x-apollo-timestamp', 'x-apollo-nonce', 'x-apollo-content-sha256', 'x-apollo-signature']);
    expect((await fetch(`${url}/v1/rooms/5?b=1&a=2`, { headers })).status).toBe(200);
  });
});
