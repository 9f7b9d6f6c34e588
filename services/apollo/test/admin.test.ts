// The admin API: who may call it, client lifecycle, audit log, route table.
import { describe, expect, it } from 'vitest';
import { readJson, signedInit } from '@bamboo/testing';
import { ADMIN_TOKEN, DEMO, KEY, accessToken, admin, basic, fakeService, newClient, startApollo } from './helpers.js';

const tokenFor = async (url: string, id: string, secret: string) =>
  fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });

describe('admin access', () => {
  it('accepts the admin token, an admin-scoped access token and the internal signature; refuses the rest', async () => {
    const { url } = await startApollo();
    expect((await fetch(`${url}/admin/clients`)).status).toBe(401);
    expect((await fetch(`${url}/admin/clients`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    const demoToken = await accessToken(url, DEMO.id, DEMO.secret);
    const forbidden = await fetch(`${url}/admin/clients`, { headers: { authorization: `Bearer ${demoToken}` } });
    expect(forbidden.status).toBe(403);

    const ops = await newClient(url, { scopes: ['admin'] });
    const opsToken = await accessToken(url, ops.id, ops.secret);
    expect((await fetch(`${url}/admin/clients`, { headers: { authorization: `Bearer ${opsToken}` } })).status).toBe(200);
    expect((await fetch(`${url}/admin/clients`, signedInit(KEY, '/admin/clients', { caller: 'villa' }))).status).toBe(200);
    expect((await fetch(`${url}/admin/clients`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  });
});

describe('clients', () => {
  it('creates a client whose secret shows once and never again', async () => {
    const { url } = await startApollo();
    const res = await admin(url, 'POST', '/admin/clients', { id: 'partner-1', name: 'Partner', plan: 'partner', scopes: ['read', 'write'] });
    expect(res.status).toBe(201);
    const created = await readJson(res);
    expect(created.client).toMatchObject({ id: 'partner-1', plan: 'partner', scopes: ['read', 'write'], disabled: false });
    expect(created.secret.length).toBeGreaterThanOrEqual(40);
    const shown = await readJson(await admin(url, 'GET', '/admin/clients/partner-1'));
    expect(JSON.stringify(shown)).not.toContain(created.secret);
    expect(shown.secrets[0]).not.toHaveProperty('hash');
    expect((await tokenFor(url, 'partner-1', created.secret)).status).toBe(200);
    const dup = await admin(url, 'POST', '/admin/clients', { id: 'partner-1', name: 'again', plan: 'free' });
    expect(dup.status).toBe(409);
  });

  it('refuses bad input with 400 naming the field, and changes nothing', async () => {
    const { url } = await startApollo();
    const before = (await readJson(await admin(url, 'GET', '/admin/clients'))).clients.length;
    for (const body of [
      { name: 'x', plan: 'gold' },
      { name: 'x', scopes: ['Bad Scope'] },
      { name: 'x', limits: { read: { limit: 0, windowSeconds: 60 } } },
      { plan: 'free' },
    ]) {
      const res = await admin(url, 'POST', '/admin/clients', body);
      expect(res.status).toBe(400);
      expect((await readJson(res)).error.code).toBe('invalid_request');
    }
    const patch = await admin(url, 'PATCH', `/admin/clients/${DEMO.id}`, { disabled: 'yes' });
    expect(patch.status).toBe(400);
    expect((await readJson(patch)).error.message).toContain('disabled');
    expect((await admin(url, 'PATCH', '/admin/clients/nobody', { disabled: true })).status).toBe(404);
    expect((await readJson(await admin(url, 'GET', '/admin/clients'))).clients.length).toBe(before);
  });

  it('pages the client list', async () => {
    const { url } = await startApollo();
    for (let i = 0; i < 3; i++) await newClient(url, { id: `page-${i}` });
    const first = await readJson(await admin(url, 'GET', '/admin/clients?limit=2'));
    const rest = await readJson(await admin(url, 'GET', `/admin/clients?limit=10&after=${first.next}`));
    const ids = [...first.clients, ...rest.clients].map((c: { id: string }) => c.id);
    expect(ids).toEqual([DEMO.id, 'page-0', 'page-1', 'page-2'].sort());
    expect(rest.next).toBeNull();
  });

  it('disables and enables without restart, rotates with grace, and audits every change', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    await admin(url, 'PATCH', `/admin/clients/${DEMO.id}`, { disabled: true });
    expect((await tokenFor(url, DEMO.id, DEMO.secret)).status).toBe(401);
    await admin(url, 'PATCH', `/admin/clients/${DEMO.id}`, { disabled: false });
    expect((await tokenFor(url, DEMO.id, DEMO.secret)).status).toBe(200);

    const rotated = await readJson(await admin(url, 'POST', `/admin/clients/${DEMO.id}/rotate`, { graceSeconds: 0 }));
    expect((await tokenFor(url, DEMO.id, DEMO.secret)).status).toBe(401);
    expect((await tokenFor(url, DEMO.id, rotated.secret)).status).toBe(200);

    const audit = await readJson(await admin(url, 'GET', `/admin/audit?target=${DEMO.id}`));
    expect(audit.entries.map((e: { action: string }) => e.action)).toEqual(['client.rotate', 'client.enable', 'client.disable', 'client.create']);
    expect(audit.entries[0]).toMatchObject({ actor: 'admin-token', target: DEMO.id });
    expect(JSON.stringify(audit)).not.toContain(rotated.secret);
  });
});

describe('route table at run time', () => {
  it('replaces the table without restart, refusing an invalid one', async () => {
    const villa = await fakeService('image', '/v1/pictures');
    const node = await startApollo();
    expect((await fetch(`${node.url}/v1/pictures/1`)).status).toBe(404);
    const bad = await admin(node.url, 'PUT', '/admin/routes', { routes: [{ prefix: 'no-slash', service: 'image' }] });
    expect(bad.status).toBe(400);
    const res = await admin(node.url, 'PUT', '/admin/routes', { routes: [{ prefix: '/v1/pictures', service: 'image', upstreams: [villa.url], auth: 'public' }] });
    expect(res.status).toBe(200);
    expect((await fetch(`${node.url}/v1/pictures/1`, { method: 'POST' })).status).toBe(200);
    const table = await readJson(await admin(node.url, 'GET', '/admin/routes'));
    expect(table).toMatchObject({ limits: 'per-node', routes: [{ prefix: '/v1/pictures', auth: 'public' }] });
  });
});
