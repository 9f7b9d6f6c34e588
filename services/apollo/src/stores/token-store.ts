// The access-token store port: opaque OAuth bearer tokens in the hot state,
// keyed by the SHA-256 of the token (the token itself is never stored).
export interface TokenRecord {
  clientId: string;
  scopes: string[];
  /** Epoch seconds. */
  issuedAt: number;
  expiresAt: number;
}

/**
 * Guarantees (every adapter):
 * - `get` never returns a record past `expiresAt` or after `revoke`;
 * - `revoke` is seen by every apollo node sharing the hot state on its next
 *   `get` (no node caches records);
 * - a hot state that does not answer throws ServiceUnavailableError (503).
 */
export interface TokenStore {
  save(token: string, record: TokenRecord): Promise<void>;
  get(token: string): Promise<TokenRecord | null>;
  /** Returns whether the token was live. */
  revoke(token: string): Promise<boolean>;
  /** The hot-state key that exists exactly while the token is live (see Principal.liveKey). */
  liveKey(token: string): string;
}
