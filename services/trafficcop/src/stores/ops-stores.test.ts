import { rm } from 'node:fs/promises';
import { openDocumentStore, type DocumentStore } from '@bamboo/engines';
import { tempDir, uniquePrefix } from '@bamboo/testing';
import { opsStoresContract } from './ops-stores.contract.js';
import { createDocsAuditLog, createDocsPinStore } from './ops.docs.js';

const over = (docs: DocumentStore) => ({ pins: createDocsPinStore(docs), audit: createDocsAuditLog(docs) });

opsStoresContract('embedded documents', () => {
  let dir: string | undefined;
  let docs: DocumentStore | undefined;
  const open = async () => {
    dir ??= await tempDir('trafficcop-ops');
    docs = await openDocumentStore({ dataDir: dir, namespace: 'trafficcop' });
    return over(docs);
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
  opsStoresContract('MongoDB', () => {
    const namespace = uniquePrefix('trafficcop-ops').replace(/[^A-Za-z0-9_]/g, '_');
    let docs: DocumentStore | undefined;
    const open = async () => {
      docs = await openDocumentStore({ mongoUrl, dataDir: '/nonexistent', namespace });
      return over(docs);
    };
    return {
      open,
      reopen: async () => {
        await docs?.close();
        return open();
      },
      close: async () => {
        await docs?.collection('pins').deleteMany({});
        await docs?.collection('audit').deleteMany({});
        await docs?.close();
      },
    };
  });
}
