// Runs the store contracts on every adapter available here: the embedded
// document store and the filesystem always; MongoDB and GridFS when MONGO_URL is set.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openDocumentStore } from '@bamboo/engines';
import { tempDir, uniquePrefix } from '@bamboo/testing';
import { describe } from 'vitest';
import { blobStoreContract } from '../src/stores/blob-store.contract.js';
import { openFsBlobStore } from '../src/stores/blob-store.fs.js';
import { openGridFsBlobStore } from '../src/stores/blob-store.gridfs.js';
import { taskStoreContract } from '../src/stores/task-store.contract.js';
import { createDocsTaskStore } from '../src/stores/task-store.docs.js';

const mongoUrl = process.env.MONGO_URL;

taskStoreContract('embedded documents', async () => {
  const dir = await tempDir('image-tasks');
  const docs = await openDocumentStore({ dataDir: dir, namespace: 'image' });
  return { store: createDocsTaskStore(docs), close: async () => { await docs.close(); await rm(dir, { recursive: true, force: true }); } };
});

blobStoreContract('filesystem', async () => {
  const dir = await tempDir('image-blobs');
  return { store: await openFsBlobStore(join(dir, 'blobs')), close: () => rm(dir, { recursive: true, force: true }) };
});

describe.skipIf(!mongoUrl)('on MongoDB (MONGO_URL)', () => {
  taskStoreContract('MongoDB', async () => {
    const namespace = uniquePrefix('image').replace(/[^a-z0-9]/gi, '_');
    const docs = await openDocumentStore({ mongoUrl: mongoUrl!, dataDir: '.', namespace });
    const store = createDocsTaskStore(docs);
    const dropAll = async () => {
      await docs.collection('tasks').deleteMany({});
      await docs.collection('counters').deleteMany({});
    };
    return { store, close: async () => { await dropAll(); await docs.close(); } };
  });

  blobStoreContract('GridFS', async () => {
    const bucketName = uniquePrefix('blobs').replace(/[^a-z0-9]/gi, '_');
    const store = await openGridFsBlobStore({ url: mongoUrl!, database: 'bamboo_test', bucketName });
    return { store, close: async () => { await store.deletePrefix('results'); await store.deletePrefix('originals'); await store.close(); } };
  });
});
