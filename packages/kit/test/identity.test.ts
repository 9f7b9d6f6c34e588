import { describe, expect, it } from 'vitest';
import { signatureHeaders } from '../src/internal-signature.js';
import { identityHeaders, requireUser } from '../src/identity.js';
import { KEY, json, testApp } from './helpers.js';

function appWithPublicRoute() {
  const { app } = testApp();
  app.post('/v1/things', async (c) => c.json({ identity: c.get('identity'), user: requireUserOrNull(c.get('identity')) }));
  return app;
}
const requireUserOrNull = (identity: Parameters<typeof requireUser>[0]) => identity.userId ?? null;

function asGateway(body: string, key = KEY) {
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      ...identityHeaders({ method: 'user-token', userId: 'u42', clientId: 'demo-app', scopes: ['rooms:write'] }),
      ...signatureHeaders(key, { method: 'POST', pathWithQuery: '/v1/things', body, caller: 'apollo', timestampMs: Date.now() }),
    },
  };
}

describe('identity from the gateway', () => {
  it('trusts identity headers on a request apollo signed', async () => {
    const res = await appWithPublicRoute().request('/v1/things', asGateway('{}'));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.identity).toEqual({
      method: 'user-token',
      userId: 'u42',
      clientId: 'demo-app',
      scopes: ['rooms:write'],
      caller: 'apollo',
    });
  });

  it('ignores identity headers on an unsigned request', async () => {
    const res = await appWithPublicRoute().request('/v1/things', {
      method: 'POST',
      body: '{}',
      headers: identityHeaders({ method: 'user-token', userId: 'admin', scopes: [] }),
    });
    expect(res.status).toBe(200);
    expect((await json(res)).identity).toEqual({ method: 'anonymous', scopes: [] });
  });

  it('refuses identity headers signed with the wrong key', async () => {
    const res = await appWithPublicRoute().request('/v1/things', asGateway('{}', 'not-the-key-0123456789'));
    expect(res.status).toBe(401);
  });

  it('requireUser refuses an anonymous caller with 401', () => {
    expect(() => requireUser({ method: 'anonymous', scopes: [] })).toThrow(/end-user token/);
  });
});
