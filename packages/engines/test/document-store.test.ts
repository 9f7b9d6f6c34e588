import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ServiceUnavailableError } from '@bamboo/kit';
import { tempDir, uniquePrefix } from '@bamboo/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openDocumentStore } from '../src/index.js';
import { documentStoreContract } from './document-store.contract.js';

documentStoreContract('embedded', async () => {
  const dataDir = await tempDir('docs');
  return {
    open: () => openDocumentStore({ dataDir, namespace: 'contract' }),
    destroy: () => rm(dataDir, { recursive: true, force: true }),
  };
});

const mongoUrl = process.env.MONGO_URL;
describe.skipIf(!mongoUrl)('with MONGO_URL', () => {
  documentStoreContract('mongo', async () => {
    const mongoDb = uniquePrefix('docs').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 60);
    return {
      open: () => openDocumentStore({ mongoUrl, mongoDb, dataDir: '/nonexistent', namespace: 'contract' }),
      destroy: async () => {
        const client = new MongoClient(mongoUrl!);
        try {
          await client.db(mongoDb).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
});

describe('embedded specifics', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const fresh = async (): Promise<string> => {
    const d = await tempDir('docs-embedded');
    dirs.push(d);
    return d;
  };

  it('keeps one file per collection under dataDir/namespace, created on demand', async () => {
    const dataDir = join(await fresh(), 'not', 'yet');
    const store = await openDocumentStore({ dataDir, namespace: 'villa' });
    expect(store.kind).toBe('embedded');
    await store.collection('rooms').insertOne({ _id: 'r1', title: 'hi' });
    await store.close();
    expect(await readdir(join(dataDir, 'villa'))).toEqual(['rooms.db']);
    const lines = (await readFile(join(dataDir, 'villa', 'rooms.db'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ _id: 'r1', title: 'hi' }]);
  });

  it('refuses to open one directory twice in a process until closed', async () => {
    const dataDir = await fresh();
    const first = await openDocumentStore({ dataDir, namespace: 'ns' });
    await expect(openDocumentStore({ dataDir, namespace: 'ns' })).rejects.toThrow(/already open/);
    await first.close();
    const second = await openDocumentStore({ dataDir, namespace: 'ns' });
    await second.close();
  });

  it('rejects names that could escape the data directory', async () => {
    const dataDir = await fresh();
    await expect(openDocumentStore({ dataDir, namespace: '../x' })).rejects.toThrow(/namespace/);
    const store = await openDocumentStore({ dataDir, namespace: 'ok' });
    expect(() => store.collection('../rooms')).toThrow(/collection name/);
    expect(() => store.collection('a/b')).toThrow(/collection name/);
    await store.close();
  });

  it('fails calls after close with ServiceUnavailableError, after finishing queued writes', async () => {
    const dataDir = await fresh();
    const store = await openDocumentStore({ dataDir, namespace: 'ns' });
    const c = store.collection('c');
    const writes = Array.from({ length: 20 }, (_, i) => c.insertOne({ _id: String(i) }));
    await store.close();
    await Promise.all(writes);
    await expect(c.findOne({})).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(ServiceUnavailableError);
    const again = await openDocumentStore({ dataDir, namespace: 'ns' });
    expect(await again.collection('c').countDocuments()).toBe(20);
    await again.close();
  });

  it('rejects unsupported operators instead of misreading them', async () => {
    const dataDir = await fresh();
    const store = await openDocumentStore({ dataDir, namespace: 'ns' });
    const c = store.collection('c');
    await expect(c.find({ $where: 'true' })).rejects.toThrow(/unsupported/);
    await expect(c.updateOne({}, { $rename: { a: 'b' } } as never)).rejects.toThrow(/unsupported/);
    await store.close();
  });
});

describe('mongo when unreachable', () => {
  it('gives ServiceUnavailableError promptly from calls and ping', async () => {
    const store = await openDocumentStore({
      mongoUrl: 'mongodb://127.0.0.1:1',
      mongoDb: 'nothing',
      dataDir: '/nonexistent',
      namespace: 'ns',
      serverSelectionTimeoutMS: 300,
    });
    expect(store.kind).toBe('mongo');
    const started = Date.now();
    await expect(store.collection('c').findOne({})).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(store.collection('c').insertOne({ a: 1 })).rejects.toMatchObject({ status: 503 });
    await expect(store.ping()).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(Date.now() - started).toBeLessThan(3000);
    await store.close();
  });
});
