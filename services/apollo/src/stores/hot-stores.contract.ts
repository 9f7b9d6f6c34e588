// The contract of the stores apollo keeps on the HotState port (tokens,
// nonces), run on memory and on Redis.
import { describe, expect, it } from 'vitest';
import type { HotState } from '@bamboo/engines';
import { hotNonceStore } from './nonce-store.hot.js';
import { hotTokenStore } from './token-store.hot.js';

export function hotStoresContract(name: string, make: () => Promise<HotState>): void {
  describe(`token and nonce stores: ${name}`, () => {
    const now = () => Math.floor(Date.now() / 1000);

    it('keeps a token until it is revoked, and only under its own value', async () => {
      const tokens = hotTokenStore(await make());
      const record = { clientId: 'c1', scopes: ['read'], issuedAt: now(), expiresAt: now() + 60 };
      await tokens.save('tok-a', record);
      expect(await tokens.get('tok-a')).toEqual(record);
      expect(await tokens.get('tok-b')).toBeNull();
      expect(await tokens.revoke('tok-a')).toBe(true);
      expect(await tokens.get('tok-a')).toBeNull();
      expect(await tokens.revoke('tok-a')).toBe(false);
    });

    it('never returns an expired token', async () => {
      const tokens = hotTokenStore(await make());
      await tokens.save('tok-old', { clientId: 'c1', scopes: [], issuedAt: now() - 100, expiresAt: now() - 1 });
      expect(await tokens.get('tok-old')).toBeNull();
    });

    it('accepts a nonce once per key', async () => {
      const nonces = hotNonceStore(await make());
      expect(await nonces.claim('k1', 'n-1', 60_000)).toBe(true);
      expect(await nonces.claim('k1', 'n-1', 60_000)).toBe(false);
      expect(await nonces.claim('k2', 'n-1', 60_000)).toBe(true);
      const claims = await Promise.all(Array.from({ length: 20 }, () => nonces.claim('k3', 'same', 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });
}
