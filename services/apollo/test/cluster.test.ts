// Two apollo nodes sharing Redis (and one document store, as they would share
// MongoDB): revocation, disabling and limits hold whichever node a request hits.
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '@bamboo/kit';
import { describeRedis, readJson } from '@bamboo/testing';
import { FallbackAdmission } from '../src/limits/fallback.js';
import { memoryAdmissionStore } from '../src/stores/admission.memory.js';
import type { AdmissionStore } from '../src/stores/admission.js';
import { DEMO, accessToken, admin, basic, fakeService, newClient, sharedStores, startApollo } from './helpers.js';

/** Polls until `check` holds or `ms` pass; returns whether it held. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  do {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  } while (Date.now() < until);
  return false;
}

describeRedis('two apollo nodes on one Redis', (redisUrl) => {
  async function twoNodes() {
    const villa = await fakeService();
    const shared = await sharedStores(redisUrl);
    const a = await startApollo({ VILLA_URL: villa.url, REDIS_URL: redisUrl }, shared);
    const b = await startApollo({ VILLA_URL: villa.url, REDIS_URL: redisUrl }, shared);
    return { villa, a: a.url, b: b.url };
  }

  it('a token issued on one node works on the other until revoked anywhere', async () => {
    const { a, b } = await twoNodes();
    const token = await accessToken(a, DEMO.id, DEMO.secret);
    const call = (node: string) => fetch(`${node}/v1/rooms/1`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await call(b)).status).toBe(200);
    const revoke = await fetch(`${a}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: basic(DEMO.id, DEMO.secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(revoke.status).toBe(200);
    expect((await call(b)).status).toBe(401);
    expect((await call(a)).status).toBe(401);
  });

  it('refuses the (limit+1)th request in a window whichever node it reaches', async () => {
    const { villa, a, b } = await twoNodes();
    const client = await newClient(a, { scopes: ['read'], limits: { read: { limit: 10, windowSeconds: 60 } } });
    const token = await accessToken(b, client.id, client.secret);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => fetch(`${i % 2 ? a : b}/v1/rooms/${i}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(villa.seen).toHaveLength(10);
  });

  it('a client disabled on one node is refused on the other within a second', async () => {
    const { a, b } = await twoNodes();
    const token = await accessToken(a, DEMO.id, DEMO.secret);
    const call = () => fetch(`${b}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status).toBe(200);
    await admin(a, 'PATCH', `/admin/clients/${DEMO.id}`, { disabled: true });
    expect(await eventually(async () => (await call()).status === 401, 1_000)).toBe(true);
  });

  it('a quota is one count across nodes', async () => {
    const { a, b } = await twoNodes();
    const client = await newClient(a, { scopes: ['read'], quotaPerDay: 3 });
    const auth = { authorization: `Bearer ${await accessToken(a, client.id, client.secret)}` };
    const statuses = [];
    for (const node of [a, b, a, b]) statuses.push((await fetch(`${node}/v1/rooms/1`, { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('reports shared limits in the admin route view', async () => {
    const { a } = await twoNodes();
    expect((await readJson(await admin(a, 'GET', '/admin/routes'))).limits).toBe('shared');
  });
});

describe('limits when Redis does not answer', () => {
  const down: AdmissionStore = {
    admit: async () => {
      throw new ServiceUnavailableError('redis down');
    },
  };

  it('keeps limiting per node and reports degraded, instead of failing open or closed', async () => {
    const fallback = new FallbackAdmission(down, memoryAdmissionStore(), undefined, 60_000);
    const request = { rateKey: 'rl:{c}:read', limit: 2, windowMs: 60_000 };
    const results = [await fallback.admit(request), await fallback.admit(request), await fallback.admit(request)];
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(fallback.degraded).toBe(true);
  });

  it('goes back to the shared store once it answers again', async () => {
    let failing = true;
    const shared = memoryAdmissionStore();
    const flaky: AdmissionStore = { admit: (r) => (failing ? down.admit(r) : shared.admit(r)) };
    const fallback = new FallbackAdmission(flaky, memoryAdmissionStore(), undefined, 0);
    await fallback.admit({ rateKey: 'k', limit: 5, windowMs: 60_000 });
    failing = false;
    const back = await fallback.admit({ rateKey: 'k', limit: 5, windowMs: 60_000 });
    // The shared bucket never saw the first request: 4 left there.
    expect(back.remaining).toBe(4);
  });
});
