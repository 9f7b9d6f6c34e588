import { rm } from 'node:fs/promises';
import { openDocumentStore } from '@bamboo/engines';
import { tempDir, uniquePrefix } from '@bamboo/testing';
import { describe } from 'vitest';
import { ledgerContract } from './ledger.contract.js';

ledgerContract('embedded', async () => {
  const dir = await tempDir('magi-ledger');
  const store = await openDocumentStore({ dataDir: dir, namespace: 'magi', mongoDb: 'unused' });
  return { store, destroy: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
});

const mongoUrl = process.env.MONGO_URL;
describe.skipIf(!mongoUrl)('on MongoDB', () => {
  ledgerContract('mongo', async () => {
    const db = uniquePrefix('magi').replace(/[^A-Za-z0-9]/g, '_').slice(0, 60);
    const store = await openDocumentStore({ mongoUrl: mongoUrl!, mongoDb: db, dataDir: '.', namespace: 'magi' });
    return { store, destroy: () => store.close() };
  });
});
