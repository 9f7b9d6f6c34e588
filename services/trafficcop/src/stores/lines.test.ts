import { describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { openDocumentStore, type DocumentStore } from '@bamboo/engines';
import { tempDir, uniquePrefix } from '@bamboo/testing';
import { lineStoreContract } from './lines.contract.js';
import { createDocsLineStore } from './lines.docs.js';

lineStoreContract('embedded documents', () => {
  let dir: string | undefined;
  let docs: DocumentStore | undefined;
  const open = async () => {
    dir ??= await tempDir('trafficcop-lines');
    docs = await openDocumentStore({ dataDir: dir, namespace: 'trafficcop' });
    return createDocsLineStore(docs);
  };
  return {
    open,
    reopen: async () => {
      await docs?.close();
      return open();
    },
    close: async () => {
      await docs?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
});

const mongoUrl = process.env.MONGO_URL;
if (mongoUrl) {
  lineStoreContract('MongoDB', () => {
    const namespace = uniquePrefix('trafficcop-lines').replace(/[^A-Za-z0-9_]/g, '_');
    let docs: DocumentStore | undefined;
    const open = async () => {
      docs = await openDocumentStore({ mongoUrl, dataDir: '/nonexistent', namespace });
      return createDocsLineStore(docs);
    };
    return {
      open,
      reopen: async () => {
        await docs?.close();
        return open();
      },
      close: async () => {
        await docs?.collection('lines').deleteMany({});
        await docs?.close();
      },
    };
  });
}

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
