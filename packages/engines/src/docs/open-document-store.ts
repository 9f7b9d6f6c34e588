// Picks the document store engine: MongoDB when a URL is configured
// (MONGO_URL), otherwise the embedded store under DATA_DIR.
import type { DocumentStore } from './document-store.js';
import { openEmbeddedDocumentStore } from './document-store.embedded.js';
import { openMongoDocumentStore } from './document-store.mongo.js';

export interface OpenDocumentStoreOptions {
  /** MONGO_URL; when set (non-empty) the store is MongoDB. */
  mongoUrl?: string;
  /** Database name on MongoDB; default: the URL's, else 'bamboo'. */
  mongoDb?: string;
  /** DATA_DIR for the embedded store. */
  dataDir: string;
  /**
   * The service name. Embedded: a subdirectory of dataDir. MongoDB: a
   * collection prefix (`${namespace}.${name}`) in the one shared database,
   * so services can share a cluster and a database without colliding.
   */
  namespace: string;
  /** MongoDB only: how long an operation waits for a usable server (default 3000 ms). */
  serverSelectionTimeoutMS?: number;
}

export async function openDocumentStore(options: OpenDocumentStoreOptions): Promise<DocumentStore> {
  if (options.mongoUrl) {
    return openMongoDocumentStore({
      url: options.mongoUrl,
      namespace: options.namespace,
      ...(options.mongoDb ? { database: options.mongoDb } : {}),
      ...(options.serverSelectionTimeoutMS ? { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS } : {}),
    });
  }
  return openEmbeddedDocumentStore({ dataDir: options.dataDir, namespace: options.namespace });
}
