// Blobs as files under a directory (DATA_DIR/image/blobs by default; a
// shared volume when several masters run). Atomic by writing a temporary
// file beside the target, fsyncing it, then renaming over the target.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ServiceUnavailableError } from '@bamboo/kit';
import { checkKey, type BlobStore } from './blob-store.js';

export async function openFsBlobStore(root: string): Promise<BlobStore> {
  await mkdir(root, { recursive: true });
  const pathOf = (key: string) => join(root, checkKey(key));

  return {
    kind: 'fs',
    async put(key, bytes) {
      const target = pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      const file = await open(temp, 'w');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      try {
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async deletePrefix(prefix) {
      await rm(pathOf(prefix), { recursive: true, force: true });
    },
    async ping() {
      try {
        await access(root);
      } catch {
        throw new ServiceUnavailableError(`blob directory ${root} is not accessible`);
      }
    },
    async close() {},
  };
}
