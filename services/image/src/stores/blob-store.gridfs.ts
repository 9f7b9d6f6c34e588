// Blobs in MongoDB GridFS (bucket `image.blobs`), for masters that share
// MongoDB rather than a volume. A file is visible only once its chunks and
// its files document are written (GridFS writes the files document last), so
// readers never see a partial blob; a replaced key keeps the newest upload.
import { GridFSBucket, MongoClient } from 'mongodb';
import { ServiceUnavailableError } from '@bamboo/kit';
import { checkKey, type BlobStore } from './blob-store.js';

export interface GridFsOptions {
  url: string;
  database: string;
  bucketName?: string;
  serverSelectionTimeoutMS?: number;
}

export async function openGridFsBlobStore(options: GridFsOptions): Promise<BlobStore> {
  const client = new MongoClient(options.url, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 3_000 });
  const unavailable = (error: unknown) => new ServiceUnavailableError(`GridFS: ${(error as Error).message}`);
  await client.connect().catch((error) => {
    throw unavailable(error);
  });
  const db = client.db(options.database);
  const bucket = new GridFSBucket(db, { bucketName: options.bucketName ?? 'image.blobs' });

  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof Error && /MongoServerSelectionError|MongoNetwork/.test(error.name)) throw unavailable(error);
      throw error;
    }
  };

  return {
    kind: 'gridfs',
    put: (key, bytes) =>
      guard(async () => {
        checkKey(key);
        const older = await bucket.find({ filename: key }).toArray();
        await new Promise<void>((resolve, reject) => {
          bucket.openUploadStream(key).once('error', reject).once('finish', () => resolve()).end(bytes);
        });
        for (const file of older) await bucket.delete(file._id);
      }),
    get: (key) =>
      guard(async () => {
        checkKey(key);
        const [file] = await bucket.find({ filename: key }).sort({ uploadDate: -1 }).limit(1).toArray();
        if (!file) return null;
        const chunks: Buffer[] = [];
        for await (const chunk of bucket.openDownloadStream(file._id)) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      }),
    deletePrefix: (prefix) =>
      guard(async () => {
        const escaped = checkKey(prefix).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const files = await bucket.find({ filename: { $regex: `^${escaped}/` } }).toArray();
        for (const file of files) await bucket.delete(file._id);
      }),
    ping: () =>
      guard(async () => {
        await db.command({ ping: 1 });
      }),
    close: () => client.close(),
  };
}
