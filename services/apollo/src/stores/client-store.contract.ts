// The contract of ClientStore adapters (the document-store one on the
// embedded engine always, on MongoDB when MONGO_URL is set).
import { describe, expect, it } from 'vitest';
import { ConflictError } from '@bamboo/kit';
import type { Client } from '../clients/client.js';
import type { ClientStore } from './client-store.js';

const client = (id: string): Client => ({
  _id: id,
  name: id,
  plan: 'free',
  scopes: ['read'],
  limits: {},
  disabled: false,
  secrets: [{ id: 's1', hash: 'h1', sealed: 'x', createdAt: 1, expiresAt: null }],
  createdAt: 1,
  updatedAt: 1,
});

export function clientStoreContract(name: string, make: () => Promise<ClientStore>): void {
  describe(`ClientStore contract: ${name}`, () => {
    it('inserts once; a second insert of the id is a conflict that changes nothing', async () => {
      const store = await make();
      await store.insert(client('c-one'));
      await expect(store.insert({ ...client('c-one'), name: 'other' })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get('c-one'))?.name).toBe('c-one');
      expect(await store.get('c-none')).toBeNull();
    });

    it('updates and returns the document after; unknown ids give null', async () => {
      const store = await make();
      await store.insert(client('c-upd'));
      const updated = await store.update('c-upd', { disabled: true, limits: { read: { limit: 5, windowSeconds: 1 } }, updatedAt: 2 });
      expect(updated).toMatchObject({ disabled: true, limits: { read: { limit: 5, windowSeconds: 1 } } });
      expect(await store.update('c-nobody', { disabled: true })).toBeNull();
    });

    it('lists by id, a page at a time', async () => {
      const store = await make();
      for (const id of ['l-a', 'l-b', 'l-c']) await store.insert(client(id));
      const first = await store.list({ limit: 2 });
      const rest = await store.list({ limit: 10, after: first.at(-1)!._id });
      expect([...first, ...rest].map((c) => c._id).filter((id) => id.startsWith('l-'))).toEqual(['l-a', 'l-b', 'l-c']);
    });

    it('adds a secret and gives the earlier ones the grace expiry', async () => {
      const store = await make();
      await store.insert(client('c-rot'));
      const secret = { id: 's2', hash: 'h2', sealed: 'y', createdAt: 5, expiresAt: null };
      const rotated = await store.addSecret('c-rot', secret, 1_000, 10);
      expect(rotated?.secrets).toEqual([{ ...client('c-rot').secrets[0], expiresAt: 1_000 }, secret]);
      // A later rotation drops secrets already expired at `nowMs`.
      const again = await store.addSecret('c-rot', { ...secret, id: 's3' }, 3_000, 2_000);
      expect(again?.secrets.map((s) => [s.id, s.expiresAt])).toEqual([['s2', 3_000], ['s3', null]]);
      expect(await store.addSecret('c-nobody', secret, 1, 1)).toBeNull();
    });
  });
}
