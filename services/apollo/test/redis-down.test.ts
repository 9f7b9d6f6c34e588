// Redis going away under a running apollo: it keeps serving with per-node
// limits and /readyz says degraded; what truly needs Redis (access tokens)
// answers 503 promptly, never hangs.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readJson, startThrowawayRedis } from '@bamboo/testing';
import { DEMO, accessToken, fakeService, onCleanup, sharedStores, startApollo } from './helpers.js';

const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasRedisServer && process.env.CI !== 'true')('when Redis stops', () => {
  it('serves anonymous reads under per-node limits, 503s access tokens, reports degraded', async () => {
    const redis = await startThrowawayRedis();
    onCleanup(async () => redis.stop());
    const villa = await fakeService();
    const shared = await sharedStores(redis.url);
    const node = await startApollo({ VILLA_URL: villa.url, REDIS_URL: redis.url, APOLLO_ANONYMOUS_PER_MINUTE: '3' }, shared);
    const token = await accessToken(node.url, DEMO.id, DEMO.secret);
    const unused = await accessToken(node.url, DEMO.id, DEMO.secret);
    // Used once: the node keeps the record, whose liveness only Redis knows.
    expect((await fetch(`${node.url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);

    redis.stop();
    while (node.hot.redis!.status === 'ready') await new Promise((r) => setTimeout(r, 20));

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${node.url}/v1/rooms/1`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const withToken = await fetch(`${node.url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(503);
    expect((await fetch(`${node.url}/v1/rooms/1`, { headers: { authorization: `Bearer ${unused}` } })).status).toBe(503);
    const ready = await fetch(`${node.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await readJson(ready)).toMatchObject({ status: 'degraded' });
  });
});
