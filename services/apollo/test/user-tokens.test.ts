// End-user tokens: minted by a trusted client, verified at the edge, the
// user id forwarded; expired, foreign and tampered tokens refused.
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { readJson } from '@bamboo/testing';
import { DEMO, accessToken, admin, fakeService, newClient, startApollo } from './helpers.js';

const SECRET = 'user-token-secret-for-tests-0123456789';

async function setup(env: Record<string, string> = {}) {
  const villa = await fakeService();
  const node = await startApollo({ VILLA_URL: villa.url, APOLLO_USER_TOKEN_SECRET: SECRET, ...env });
  return { villa, url: node.url };
}

async function mint(url: string, bearer: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/auth/user-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const hs256 = (claims: { sub?: string; aud?: string; exp?: number; iss?: string }) => {
  const jwt = new SignJWT({ scope: 'read' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.sub) jwt.setSubject(claims.sub);
  jwt.setAudience(claims.aud ?? 'bamboo').setIssuer(claims.iss ?? 'apollo').setExpirationTime(claims.exp ?? '1h');
  return jwt.sign(new TextEncoder().encode(SECRET));
};

describe('POST /v1/auth/user-tokens', () => {
  it('mints a token a user then calls with; the service gets the user id', async () => {
    const { villa, url } = await setup();
    const client = await accessToken(url, DEMO.id, DEMO.secret);
    const res = await mint(url, client, { userId: 'u-42' });
    expect(res.status).toBe(201);
    const minted = await readJson(res);
    expect(minted).toMatchObject({ token_type: 'Bearer', expires_in: 3600, user_id: 'u-42', scope: 'read write' });
    const call = await fetch(`${url}/v1/rooms/1`, { method: 'POST', headers: { authorization: `Bearer ${minted.token}`, 'x-bamboo-user-id': 'u-1' } });
    expect(call.status).toBe(200);
    const hit = villa.seen[0]!;
    expect(hit.headers.get('x-bamboo-user-id')).toBe('u-42');
    expect(hit.headers.get('x-bamboo-client-id')).toBe(DEMO.id);
    expect(hit.headers.get('x-bamboo-auth-method')).toBe('user-token');
    expect(hit.headers.get('x-bamboo-scopes')).toBe('read write');
  });

  it('refuses a client without users:issue (403), a user token (401) and bad input (400)', async () => {
    const { url } = await setup();
    const plain = await newClient(url, { scopes: ['read'] });
    const forbidden = await mint(url, await accessToken(url, plain.id, plain.secret), { userId: 'u-1' });
    expect(forbidden.status).toBe(403);
    const issuer = await accessToken(url, DEMO.id, DEMO.secret);
    const userToken = (await readJson(await mint(url, issuer, { userId: 'u-1' }))).token;
    expect((await mint(url, userToken, { userId: 'u-2' })).status).toBe(401);
    const bad = await mint(url, issuer, { userId: 'has spaces' });
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).error.message).toContain('userId');
    const tooMuch = await mint(url, issuer, { userId: 'u-3', scopes: ['admin'] });
    expect(tooMuch.status).toBe(403);
  });

  it('refuses expired, wrong-audience, wrong-key and subject-less tokens', async () => {
    const { villa, url } = await setup();
    const expired = await hs256({ sub: 'u', exp: Math.floor(Date.now() / 1000) - 10 });
    const call = (token: string) => fetch(`${url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    const res = await call(expired);
    expect(res.status).toBe(401);
    expect((await readJson(res)).error.code).toBe('token_expired');
    for (const token of [
      await hs256({ sub: 'u', aud: 'someone-else' }),
      await hs256({ sub: 'u', iss: 'evil' }),
      await hs256({}),
      `${(await hs256({ sub: 'u' })).slice(0, -4)}AAAA`,
    ]) {
      const refused = await call(token);
      expect(refused.status).toBe(401);
      expect((await readJson(refused)).error.code).toBe('invalid_token');
    }
    expect(villa.seen).toHaveLength(0);
  });

  it('stops the tokens of a disabled issuing client', async () => {
    const { url } = await setup();
    const token = (await readJson(await mint(url, await accessToken(url, DEMO.id, DEMO.secret), { userId: 'u-9' }))).token;
    await admin(url, 'PATCH', `/admin/clients/${DEMO.id}`, { disabled: true });
    const res = await fetch(`${url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('accepts RS256 tokens of an external account system by its public key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const { villa, url } = await setup({ APOLLO_USER_TOKEN_PUBLIC_KEY: await exportSPKI(publicKey) });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('ext-7')
      .setAudience('bamboo')
      .setIssuer('apollo')
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await fetch(`${url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(villa.seen[0]?.headers.get('x-bamboo-user-id')).toBe('ext-7');
  });
});
