// The suite every BlobStore adapter passes (see blob-store.ts for what it promises).
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.js';

export function blobStoreContract(name: string, open: () => Promise<{ store: BlobStore; close(): Promise<void> }>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let opened: { store: BlobStore; close(): Promise<void> };
    beforeEach(async () => {
      opened = await open();
    });
    afterEach(() => opened.close());

    it('stores, reads back and replaces blobs whole', async () => {
      const { store } = opened;
      const bytes = randomBytes(300_000);
      expect(await store.get('originals/abc')).toBeNull();
      await store.put('originals/abc', bytes);
      expect(Buffer.compare((await store.get('originals/abc'))!, bytes)).toBe(0);
      const other = randomBytes(10);
      await store.put('originals/abc', other);
      expect(Buffer.compare((await store.get('originals/abc'))!, other)).toBe(0);
      await store.ping();
    });

    it('concurrent writers of one key leave one whole blob', async () => {
      const { store } = opened;
      const versions = [randomBytes(200_000), randomBytes(200_000), randomBytes(200_000)];
      await Promise.all(versions.map((v) => store.put('results/1/lease/cover.webp', v)));
      const got = (await store.get('results/1/lease/cover.webp'))!;
      expect(versions.some((v) => Buffer.compare(v, got) === 0)).toBe(true);
    });

    it('deletes by prefix, only under it', async () => {
      const { store } = opened;
      await store.put('results/7/l1/a.webp', Buffer.from('a'));
      await store.put('results/7/l1/b.webp', Buffer.from('b'));
      await store.put('results/7/l2/a.webp', Buffer.from('c'));
      await store.deletePrefix('results/7/l1');
      await store.deletePrefix('results/7/nothing');
      expect(await store.get('results/7/l1/a.webp')).toBeNull();
      expect(await store.get('results/7/l1/b.webp')).toBeNull();
      expect((await store.get('results/7/l2/a.webp'))!.toString()).toBe('c');
    });

    it('refuses keys that could escape the store', async () => {
      const { store } = opened;
      for (const key of ['../etc/passwd', '/abs', 'a/../b', 'A/B', 'a//b', '']) {
        await expect(store.put(key, Buffer.from('x'))).rejects.toThrow(/invalid blob key/);
      }
    });
  });
}
