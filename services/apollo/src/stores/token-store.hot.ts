// TokenStore on the HotState port: works on memory (one node) and Redis
// (every node), since HotState already gives both.
import { createHash } from 'node:crypto';
import type { HotState } from '@bamboo/engines';
import type { TokenRecord, TokenStore } from './token-store.js';

const keyOf = (token: string) => `token:${createHash('sha256').update(token).digest('hex')}`;

export function hotTokenStore(hot: HotState): TokenStore {
  return {
    async save(token, record) {
      const ttlMs = record.expiresAt * 1000 - Date.now();
      if (ttlMs <= 0) return;
      await hot.set(keyOf(token), JSON.stringify(record), { ttlMs });
    },
    async get(token) {
      const raw = await hot.get(keyOf(token));
      if (!raw) return null;
      const record = JSON.parse(raw) as TokenRecord;
      return record.expiresAt * 1000 > Date.now() ? record : null;
    },
    revoke: (token) => hot.del(keyOf(token)),
    liveKey: keyOf,
  };
}
