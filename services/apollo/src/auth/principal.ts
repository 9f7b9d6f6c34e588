// Who a public request comes from, once apollo authenticated it. This is
// what apollo forwards to services as identity headers.
import type { AuthMethod } from '@bamboo/kit';

export interface Principal {
  method: AuthMethod;
  clientId?: string;
  userId?: string;
  scopes: string[];
  /**
   * Set when the credential came from a node's cache: the hot-state key that
   * must still exist for the request to pass. The public path has the limits
   * script check it (one round trip for both).
   */
  liveKey?: string;
}

export const ANONYMOUS_PRINCIPAL: Principal = { method: 'anonymous', scopes: [] };

/**
 * A refused credential: 401 (400 for a malformed header) with the kit's error
 * code and the RFC 6750 challenge for bearer tokens.
 */
export class AuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly code: string,
    message: string,
    readonly challenge: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export const bearerChallenge = (error: string, description: string) =>
  `Bearer realm="bamboo", error="${error}", error_description="${description.replace(/"/g, "'")}"`;
