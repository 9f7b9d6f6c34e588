// NonceStore on the HotState port (SET NX with expiry on memory or Redis).
import type { HotState } from '@bamboo/engines';
import type { NonceStore } from './nonce-store.js';

export function hotNonceStore(hot: HotState): NonceStore {
  return {
    claim: (keyId, nonce, ttlMs) => hot.set(`nonce:${keyId}:${nonce}`, '1', { ttlMs, ifAbsent: true }),
  };
}
