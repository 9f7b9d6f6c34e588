// The embedded document store: one nedb datafile per collection under
// `${dataDir}/${namespace}/${collection}.db`, for one process.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ServiceUnavailableError } from '@bamboo/kit';
import type { AnyDocument, Collection, Document, DocumentStore } from './document-store.js';
import { EmbeddedCollection } from './embedded/collection.js';

export interface EmbeddedDocumentStoreOptions {
  dataDir: string;
  /** Usually the service name; a subdirectory of dataDir. */
  namespace: string;
  /** nedb appends every write; rewrite the files this often (default 10 min) and on close. */
  compactEveryMs?: number;
}

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Directories open in this process: two nedb instances on one file would corrupt it. */
const openDirs = new Set<string>();

export async function openEmbeddedDocumentStore(options: EmbeddedDocumentStoreOptions): Promise<DocumentStore> {
  if (!NAME.test(options.namespace)) throw new Error(`invalid namespace ${JSON.stringify(options.namespace)}`);
  const dir = resolve(options.dataDir, options.namespace);
  if (openDirs.has(dir)) throw new Error(`embedded document store ${dir} is already open in this process`);
  await mkdir(dir, { recursive: true });
  openDirs.add(dir);
  return new EmbeddedDocumentStore(dir, options.compactEveryMs ?? 10 * 60_000);
}

class EmbeddedDocumentStore implements DocumentStore {
  readonly kind = 'embedded' as const;
  private readonly collections = new Map<string, EmbeddedCollection<Document>>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly dir: string,
    compactEveryMs: number,
  ) {
    this.timer = setInterval(() => {
      for (const c of this.collections.values()) c.compact().catch(() => undefined);
    }, compactEveryMs);
    this.timer.unref();
  }

  collection<T extends Document = AnyDocument>(name: string): Collection<T> {
    if (!NAME.test(name)) throw new Error(`invalid collection name ${JSON.stringify(name)}`);
    let c = this.collections.get(name);
    if (!c) {
      c = new EmbeddedCollection(name, join(this.dir, `${name}.db`), () => this.closed);
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new ServiceUnavailableError('document store closed');
    try {
      await access(this.dir, constants.W_OK);
    } catch {
      throw new ServiceUnavailableError('document store unavailable');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.collections.values()].map((c) => c.drain()));
    openDirs.delete(this.dir);
  }
}
