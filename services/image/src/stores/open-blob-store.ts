// Picks the blob adapter from configuration: GridFS when asked for, or when
// `auto` and MongoDB is configured; files under DATA_DIR otherwise.
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { openFsBlobStore } from './blob-store.fs.js';
import { openGridFsBlobStore } from './blob-store.gridfs.js';

export async function openBlobStore(config: Pick<Config, 'IMAGE_BLOB_STORE' | 'MONGO_URL' | 'MONGO_DB' | 'DATA_DIR'>): Promise<BlobStore> {
  const useGridFs = config.IMAGE_BLOB_STORE === 'gridfs' || (config.IMAGE_BLOB_STORE === 'auto' && !!config.MONGO_URL);
  if (!useGridFs) return openFsBlobStore(join(config.DATA_DIR, 'image', 'blobs'));
  if (!config.MONGO_URL) throw new Error('IMAGE_BLOB_STORE=gridfs needs MONGO_URL');
  return openGridFsBlobStore({ url: config.MONGO_URL, database: config.MONGO_DB });
}
