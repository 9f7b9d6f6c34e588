// The nonce store port: each signed-request nonce is accepted once per window.

/**
 * Guarantees: `claim` returns true for the first claim of (keyId, nonce)
 * within `ttlMs` and false for every later one, across every apollo node
 * sharing the hot state; atomic (SET NX). Down → ServiceUnavailableError.
 */
export interface NonceStore {
  claim(keyId: string, nonce: string, ttlMs: number): Promise<boolean>;
}
