// OAuth 2.0 client credentials, revocation and introspection, end to end.
import { describe, expect, it } from 'vitest';
import { readJson } from '@bamboo/testing';
import { DEMO, accessToken, admin, basic, fakeService, newClient, startApollo } from './helpers.js';

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields),
});

describe('POST /oauth/token', () => {
  it('issues a bearer token for HTTP Basic credentials with all the client scopes', async () => {
    const { url } = await startApollo();
    const res = await fetch(`${url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(DEMO.id, DEMO.secret) }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await readJson(res);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 7200, scope: 'read write users:issue' });
    expect(body.access_token).toMatch(/^bat_[A-Za-z0-9_-]{40,}$/);
  });

  it('accepts credentials in the form and grants a requested subset of scopes', async () => {
    const { url } = await startApollo({ APOLLO_TOKEN_TTL_SECONDS: '60' });
    const res = await fetch(`${url}/oauth/token`, form({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret, scope: 'read' }));
    expect(await readJson(res)).toMatchObject({ scope: 'read', expires_in: 60 });
  });

  it.each([
    ['a wrong secret', { grant_type: 'client_credentials', client_id: DEMO.id, client_secret: 'nope-nope' }, 401, 'invalid_client'],
    ['an unknown client', { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }, 401, 'invalid_client'],
    ['no credentials', { grant_type: 'client_credentials' }, 401, 'invalid_client'],
    ['a scope beyond the client', { grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret, scope: 'read admin' }, 400, 'invalid_scope'],
    ['another grant type', { grant_type: 'password', client_id: DEMO.id, client_secret: DEMO.secret }, 400, 'unsupported_grant_type'],
    ['no grant type', { client_id: DEMO.id, client_secret: DEMO.secret }, 400, 'invalid_request'],
  ])('refuses %s with the RFC 6749 error', async (_label, fields, status, error) => {
    const { url } = await startApollo();
    const res = await fetch(`${url}/oauth/token`, form(fields));
    expect(res.status).toBe(status);
    expect(await readJson(res)).toMatchObject({ error });
  });

  it('answers a wrong Basic secret with 401 and a Basic challenge', async () => {
    const { url } = await startApollo();
    const res = await fetch(`${url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(DEMO.id, 'wrong') }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Basic');
  });

  it('limits token requests per address before checking any secret', async () => {
    const { url } = await startApollo({ APOLLO_ANONYMOUS_PER_MINUTE: '2' });
    const attempt = () => fetch(`${url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(DEMO.id, 'guess') }));
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    const third = await attempt();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await readJson(third)).error).toBe('invalid_request');
  });

  it('refuses a JSON body: the RFC requires a form', async () => {
    const { url } = await startApollo();
    const res = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(DEMO.id, DEMO.secret) },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(400);
    expect((await readJson(res)).error).toBe('invalid_request');
  });
});

describe('access tokens at the edge', () => {
  it('refuses unknown and malformed tokens before forwarding', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const unknown = await fetch(`${url}/v1/rooms/1`, { method: 'POST', headers: { authorization: 'Bearer bat_notarealtoken' } });
    expect(unknown.status).toBe(401);
    expect((await readJson(unknown)).error.code).toBe('invalid_token');
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const malformed = await fetch(`${url}/v1/rooms/1`, { headers: { authorization: 'Token abc' } });
    expect(malformed.status).toBe(400);
    expect((await readJson(malformed)).error.code).toBe('invalid_authorization');
    const anonymousWrite = await fetch(`${url}/v1/rooms/1`, { method: 'POST' });
    expect(anonymousWrite.status).toBe(401);
    expect(villa.seen).toHaveLength(0);
  });

  it('refuses writes without a scope the route requires (403), reads pass', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', writeScopes: ['rooms:write'] }]);
    const token = await accessToken(node.url, DEMO.id, DEMO.secret);
    const write = await fetch(`${node.url}/v1/rooms/1`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(write.status).toBe(403);
    expect((await readJson(write)).error.code).toBe('insufficient_scope');
    expect(write.headers.get('www-authenticate')).toContain('scope="rooms:write"');
    const read = await fetch(`${node.url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    expect(villa.seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('requires a client on every call of an auth:required route', async () => {
    const villa = await fakeService('magi', '/v1/wallets');
    const { url } = await startApollo({ MAGI_URL: villa.url });
    const res = await fetch(`${url}/v1/wallets/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });
});

describe('revocation and introspection', () => {
  it('a revoked token is inactive and refused; revoking needs the owning client', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const token = await accessToken(url, DEMO.id, DEMO.secret);
    const other = await newClient(url, { scopes: ['read'] });
    const auth = { authorization: basic(DEMO.id, DEMO.secret) };

    const active = await readJson(await fetch(`${url}/oauth/introspect`, form({ token }, auth)));
    expect(active).toMatchObject({ active: true, client_id: DEMO.id, scope: 'read write users:issue', token_type: 'Bearer' });
    expect(active.exp - active.iat).toBe(7200);
    // Another client neither sees nor revokes it.
    const foreign = { authorization: basic(other.id, other.secret) };
    expect(await readJson(await fetch(`${url}/oauth/introspect`, form({ token }, foreign)))).toEqual({ active: false });
    expect((await fetch(`${url}/oauth/revoke`, form({ token }, foreign))).status).toBe(200);
    expect((await fetch(`${url}/v1/rooms/1`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const revoked = await fetch(`${url}/oauth/revoke`, form({ token, token_type_hint: 'access_token' }, auth));
    expect(revoked.status).toBe(200);
    expect(await readJson(await fetch(`${url}/oauth/introspect`, form({ token }, auth)))).toEqual({ active: false });
    const refused = await fetch(`${url}/v1/rooms/1`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    expect(villa.seen).toHaveLength(1);
  });

  it('refuses introspection and revocation without client authentication', async () => {
    const { url } = await startApollo();
    expect((await fetch(`${url}/oauth/introspect`, form({ token: 'x' }))).status).toBe(401);
    const missing = await fetch(`${url}/oauth/revoke`, form({}, { authorization: basic(DEMO.id, DEMO.secret) }));
    expect(missing.status).toBe(400);
  });

  it('a disabled client gets no token and its live tokens stop working', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const token = await accessToken(url, DEMO.id, DEMO.secret);
    expect((await admin(url, 'PATCH', `/admin/clients/${DEMO.id}`, { disabled: true })).status).toBe(200);
    const use = await fetch(`${url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    expect(use.status).toBe(401);
    const again = await fetch(`${url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(DEMO.id, DEMO.secret) }));
    expect(again.status).toBe(401);
    expect(villa.seen).toHaveLength(0);
  });
});
