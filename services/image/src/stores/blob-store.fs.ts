// Blobs as files under a directory (DATA_DIR/image/blobs by default; a
// shared volume when several masters run). Atomic by writing a temporary
// file beside the target, fsyncing it, then renaming over the target.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ServiceUnavailableError } from '@bamboo/kit';
import { checkKey, type BlobStore } from './blob-store.js';

/** A disk that refuses to read or write (full, read-only, gone) is a store that is down: 503. */
function unavailable(error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && ['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'ENOENT', 'ENOTDIR', 'EDQUOT'].includes(code)) {
    throw new ServiceUnavailableError(`blob store: ${code} (${(error as Error).message})`);
  }
  throw error;
}

export async function openFsBlobStore(root: string): Promise<BlobStore> {
  await mkdir(root, { recursive: true });
  const pathOf = (key: string) => join(root, checkKey(key));

  return {
    kind: 'fs',
    async put(key, bytes) {
      const target = pathOf(key);
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(target), { recursive: true });
        const file = await open(temp, 'w');
        try {
          await file.writeFile(bytes);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        unavailable(error);
      }
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        unavailable(error);
      }
    },
    async deletePrefix(prefix) {
      await rm(pathOf(prefix), { recursive: true, force: true });
    },
    async ping() {
      const writable = await stat(root)
        .then((info) => info.isDirectory() && access(root, constants.W_OK).then(() => true))
        .catch(() => false);
      if (!writable) throw new ServiceUnavailableError(`blob directory ${root} is not a writable directory`);
    },
    async close() {},
  };
}
