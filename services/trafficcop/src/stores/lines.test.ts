import { describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { openDocumentStore } from '@bamboo/engines';
import { tempDir } from '@bamboo/testing';
import { embeddedHarness, mongoHarness } from './document-harness.contract.js';
import { lineStoreContract } from './lines.contract.js';
import { createDocsLineStore } from './lines.docs.js';

lineStoreContract('embedded documents', embeddedHarness('trafficcop-lines', createDocsLineStore));
const mongo = mongoHarness('trafficcop-lines', ['lines'], createDocsLineStore);
if (mongo) lineStoreContract('MongoDB', mongo);

describe('lines stored before issue 6', () => {
  it('read as push lines covering everywhere, in state enabled or disabled', async () => {
    const dir = await tempDir('trafficcop-legacy');
    const docs = await openDocumentStore({ dataDir: dir, namespace: 'trafficcop' });
    try {
      const raw = docs.collection('lines');
      await raw.insertOne({ _id: 'old-on', provider: 'acme', pushUrlTemplate: 'rtmp://a.example/live/{room}', enabled: true, createdAt: 1, updatedAt: 1 });
      await raw.insertOne({ _id: 'old-off', provider: 'acme', pushUrlTemplate: 'rtmp://b.example/live/{room}', enabled: false, createdAt: 2, updatedAt: 2 });
      const store = createDocsLineStore(docs);
      await store.init();
      const common = { kind: 'push', pullUrlTemplates: {}, regions: ['*'], isps: ['*'], weight: 100, capacity: 0 };
      expect(await store.list()).toEqual([
        { id: 'old-on', provider: 'acme', pushUrlTemplate: 'rtmp://a.example/live/{room}', state: 'enabled', ...common, createdAt: 1, updatedAt: 1 },
        { id: 'old-off', provider: 'acme', pushUrlTemplate: 'rtmp://b.example/live/{room}', state: 'disabled', ...common, createdAt: 2, updatedAt: 2 },
      ]);
      // a later change that does not touch the state keeps it
      expect((await store.update('old-off', { weight: 5 }, 3))?.state).toBe('disabled');
      expect((await store.update('old-off', { state: 'enabled' }, 4))?.state).toBe('enabled');
    } finally {
      await docs.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
