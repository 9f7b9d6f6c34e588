// ClientStore on the document store: one query language for the embedded
// store and MongoDB (collection `clients`, _id = client id).
import { ConflictError } from '@bamboo/kit';
import { DuplicateKeyError, type DocumentStore } from '@bamboo/engines';
import type { Client } from '../clients/client.js';
import type { ClientStore } from './client-store.js';

export function docsClientStore(docs: DocumentStore): ClientStore {
  const clients = docs.collection<Client>('clients');
  return {
    async insert(client) {
      try {
        await clients.insertOne(client);
      } catch (error) {
        if (error instanceof DuplicateKeyError) throw new ConflictError(`client ${client._id} exists`, 'client_exists');
        throw error;
      }
    },
    get: (id) => clients.findOne({ _id: id }),
    list: ({ limit, after }) => clients.find(after ? { _id: { $gt: after } } : {}, { sort: { _id: 1 }, limit }),
    update: (id, set) => clients.findOneAndUpdate({ _id: id }, { $set: set }),
    async addSecret(id, secret, oldExpiresAt, nowMs) {
      const client = await clients.findOne({ _id: id });
      if (!client) return null;
      // Rewrite the list in one $set: positional updates are not in the common subset.
      const secrets = client.secrets.map((s) =>
        s.expiresAt === null || s.expiresAt > oldExpiresAt ? { ...s, expiresAt: oldExpiresAt } : s,
      );
      const kept = secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs);
      const updated = await clients.findOneAndUpdate(
        { _id: id, updatedAt: client.updatedAt },
        { $set: { secrets: [...kept, secret], updatedAt: Math.max(nowMs, client.updatedAt + 1) } },
      );
      if (!updated) throw new ConflictError(`client ${id} changed during rotation; retry`, 'concurrent_change');
      return updated;
    },
  };
}
