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
