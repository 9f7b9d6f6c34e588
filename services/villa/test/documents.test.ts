import { rm } from 'node:fs/promises';
import { openEmbeddedDocumentStore, openMongoDocumentStore } from '@bamboo/engines';
import { tempDir, uniquePrefix } from '@bamboo/testing';
import { describe } from 'vitest';
import { documentStoresContract } from '../src/stores/documents.contract.js';

documentStoresContract('embedded', async () => {
  const dir = await tempDir('villa-docs');
  const docs = await openEmbeddedDocumentStore({ dataDir: dir, namespace: 'villa' });
  return {
    docs,
    close: async () => {
      await docs.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

// MongoDB runs whenever MONGO_URL is set (none exists on a bare machine).
const mongoUrl = process.env.MONGO_URL ?? '';
describe.skipIf(!mongoUrl)('on MongoDB', () => {
  documentStoresContract('mongo', async () => {
    const database = uniquePrefix('villa').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 60);
    const docs = await openMongoDocumentStore({ url: mongoUrl, database, namespace: 'villa' });
    return {
      docs,
      close: async () => {
        const { MongoClient } = await import('mongodb');
        const client = new MongoClient(mongoUrl);
        await client.db(database).dropDatabase().finally(() => client.close());
        await docs.close();
      },
    };
  });
});
