// Every store adapter against its contract: memory/embedded always, Redis
// through describeRedis, MongoDB when MONGO_URL is set.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openDocumentStore, openHotState, type DocumentStore, type HotState } from '@bamboo/engines';
import { deleteRedisKeys, describeRedis, tempDir, uniquePrefix } from '@bamboo/testing';
import { admissionContract } from '../src/stores/admission.contract.js';
import { memoryAdmissionStore } from '../src/stores/admission.memory.js';
import { redisAdmissionStore } from '../src/stores/admission.redis.js';
import { clientStoreContract } from '../src/stores/client-store.contract.js';
import { docsClientStore } from '../src/stores/client-store.docs.js';
import { hotStoresContract } from '../src/stores/hot-stores.contract.js';

const opened: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of opened) await close();
});

admissionContract('memory', async () => memoryAdmissionStore());
hotStoresContract('memory', async () => {
  const hot = await openHotState({ keyPrefix: 'x:' });
  opened.push(() => hot.close());
  return hot;
});
clientStoreContract('embedded', async () => {
  const dir = await tempDir('apollo-clients');
  const docs = await openDocumentStore({ dataDir: dir, namespace: 'apollo' });
  opened.push(async () => {
    await docs.close();
    await rm(dir, { recursive: true, force: true });
  });
  return docsClientStore(docs);
});

describeRedis('on Redis', (redisUrl) => {
  const prefix = uniquePrefix('apollo-stores');
  const redisHot = async (): Promise<HotState> => {
    const hot = await openHotState({ redisUrl, keyPrefix: prefix });
    opened.push(() => hot.close());
    return hot;
  };
  opened.push(() => deleteRedisKeys(redisUrl, prefix));
  admissionContract('redis', async () => redisAdmissionStore((await redisHot()).redis!));
  hotStoresContract('redis', redisHot);

  it('refuses a request whose live key is gone, consuming neither bucket nor quota', async () => {
    const hot = await redisHot();
    const store = redisAdmissionStore(hot.redis!);
    await hot.set('token:live', '{}', { ttlMs: 60_000 });
    const request = { rateKey: 'rl:{live}:read', limit: 2, windowMs: 60_000, quota: { key: 'quota:{live}:day', limit: 5, ttlMs: 60_000 } };
    expect(await store.admit({ ...request, liveKey: 'token:live' })).toMatchObject({ allowed: true, remaining: 1, quotaRemaining: 4 });
    expect(await store.admit({ ...request, liveKey: 'token:gone' })).toMatchObject({ allowed: false, reason: 'revoked' });
    await hot.del('token:live');
    expect(await store.admit({ ...request, liveKey: 'token:live' })).toMatchObject({ allowed: false, reason: 'revoked' });
    // Neither refusal took anything: one request left in the bucket, four in the quota.
    expect(await store.admit(request)).toMatchObject({ allowed: true, remaining: 0, quotaRemaining: 3 });
  });

  it('decides each request of one turn on its own, also past one script call', async () => {
    const hot = await redisHot();
    const store = redisAdmissionStore(hot.redis!);
    await hot.set('token:batch-live', '{}', { ttlMs: 60_000 });
    const rateKey = 'rl:{batch}:read';
    // 600 asked in one turn (more than one call holds), 300 allowed, in order.
    const results = await Promise.all(Array.from({ length: 600 }, () => store.admit({ rateKey, limit: 300, windowMs: 60_000 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(300);
    expect(results.slice(0, 3).map((r) => r.remaining)).toEqual([299, 298, 297]);
    const [gone, live] = await Promise.all([
      store.admit({ rateKey: 'rl:{batch-a}:read', limit: 5, windowMs: 60_000, liveKey: 'token:batch-gone' }),
      store.admit({ rateKey: 'rl:{batch-b}:read', limit: 5, windowMs: 60_000, liveKey: 'token:batch-live' }),
    ]);
    expect(gone).toMatchObject({ allowed: false, reason: 'revoked' });
    expect(live).toMatchObject({ allowed: true, remaining: 4 });
  });
});

const mongoUrl = process.env.MONGO_URL;
describe.skipIf(!mongoUrl)('on MongoDB', () => {
  clientStoreContract('mongo', async () => {
    const docs: DocumentStore = await openDocumentStore({ mongoUrl: mongoUrl!, mongoDb: uniquePrefix('apollo').replace(/[^A-Za-z0-9]/g, '_').slice(0, 60), dataDir: '.', namespace: 'apollo' });
    opened.push(() => docs.close());
    return docsClientStore(docs);
  });
});
