// The client store port: API clients as documents of record.
import type { Client } from '../clients/client.js';

/**
 * Guarantees (every adapter):
 * - `insert` of an id that exists throws ConflictError (409) and changes nothing;
 * - `update` applies the whole `$set` at once or not at all and returns the
 *   document after it, or null for an unknown id;
 * - `addSecret` atomically appends a secret and marks every earlier live
 *   secret to expire at `oldExpiresAt` (rotation with a grace period);
 * - a store that does not answer throws ServiceUnavailableError (503).
 */
export interface ClientStore {
  insert(client: Client): Promise<void>;
  get(id: string): Promise<Client | null>;
  list(options: { limit: number; after?: string }): Promise<Client[]>;
  update(id: string, set: Partial<Omit<Client, '_id' | 'secrets' | 'createdAt'>>): Promise<Client | null>;
  addSecret(id: string, secret: Client['secrets'][number], oldExpiresAt: number, nowMs: number): Promise<Client | null>;
}
