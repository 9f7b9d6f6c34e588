// Where the document-store contracts run: the embedded store in a temporary
// directory, and MongoDB when MONGO_URL is set. One harness shape
// (open / reopen after a restart / close) for every store over documents.
import { rm } from 'node:fs/promises';
import { openDocumentStore, type DocumentStore } from '@bamboo/engines';
import { tempDir, uniquePrefix } from '@bamboo/testing';

export interface DocumentHarness<T> {
  open(): Promise<T>;
  /** Closes and opens the same data again (a restart). */
  reopen(): Promise<T>;
  close(): Promise<void>;
}

/** A harness over the embedded store in a fresh temporary directory. */
export function embeddedHarness<T>(label: string, build: (docs: DocumentStore) => T): () => DocumentHarness<T> {
  return () => {
    let dir: string | undefined;
    return harness(
      async () => {
        dir ??= await tempDir(label);
        return openDocumentStore({ dataDir: dir, namespace: 'trafficcop' });
      },
      build,
      {
        afterClose: async () => {
          if (dir) await rm(dir, { recursive: true, force: true });
        },
      },
    );
  };
}

/** A harness over MONGO_URL in a namespace of its own, emptying `collections` at the end; undefined without MONGO_URL. */
export function mongoHarness<T>(label: string, collections: string[], build: (docs: DocumentStore) => T): (() => DocumentHarness<T>) | undefined {
  const mongoUrl = process.env.MONGO_URL;
  if (!mongoUrl) return undefined;
  return () => {
    const namespace = uniquePrefix(label).replace(/[^A-Za-z0-9_]/g, '_');
    let docs: DocumentStore | undefined;
    return harness(
      async () => (docs = await openDocumentStore({ mongoUrl, dataDir: '/nonexistent', namespace })),
      build,
      {
        beforeClose: async () => {
          for (const name of collections) await docs?.collection(name).deleteMany({});
        },
      },
    );
  };
}

interface CleanUp {
  beforeClose?: () => Promise<void>;
  afterClose?: () => Promise<void>;
}

function harness<T>(openDocs: () => Promise<DocumentStore>, build: (docs: DocumentStore) => T, cleanUp: CleanUp): DocumentHarness<T> {
  let docs: DocumentStore | undefined;
  const open = async () => build((docs = await openDocs()));
  return {
    open,
    reopen: async () => {
      await docs?.close();
      return open();
    },
    close: async () => {
      await cleanUp.beforeClose?.();
      await docs?.close();
      await cleanUp.afterClose?.();
    },
  };
}
