// Who is calling a public route. apollo authenticates the caller, then sets
// these headers and signs the forwarded request with the internal key; a
// service trusts the headers only on a request whose signature verifies.
// An unsigned request (e.g. curl straight at a service's port in
// development) is anonymous; a request with a bad signature is refused.
import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError, ForbiddenError } from './errors.js';
import { SIGNATURE_HEADER } from './internal-signature.js';
import { verifyRequestSignature } from './verify-request.js';

export const USER_ID_HEADER = 'x-bamboo-user-id';
export const CLIENT_ID_HEADER = 'x-bamboo-client-id';
export const SCOPES_HEADER = 'x-bamboo-scopes';
export const AUTH_METHOD_HEADER = 'x-bamboo-auth-method';

/** Headers only apollo may set; it removes them from every inbound request. */
export const IDENTITY_HEADERS = [
  CLIENT_ID_HEADER,
  USER_ID_HEADER,
  SCOPES_HEADER,
  AUTH_METHOD_HEADER,
  'x-bamboo-caller',
  'x-bamboo-timestamp',
  SIGNATURE_HEADER,
];

export type AuthMethod = 'oauth' | 'signed' | 'user-token' | 'internal' | 'anonymous';

export interface Identity {
  /** The end user, when a user token was presented at apollo. */
  userId?: string;
  /** The API client (OAuth client id or signing key id). */
  clientId?: string;
  scopes: string[];
  method: AuthMethod;
  /** The service that signed the request (apollo for public traffic). */
  caller?: string;
}

export const ANONYMOUS: Identity = { scopes: [], method: 'anonymous' };

/** Header values to send for `identity` (apollo, and tests acting as apollo). */
export function identityHeaders(identity: Omit<Identity, 'caller'>): Record<string, string> {
  const headers: Record<string, string> = { [AUTH_METHOD_HEADER]: identity.method };
  if (identity.userId) headers[USER_ID_HEADER] = identity.userId;
  if (identity.clientId) headers[CLIENT_ID_HEADER] = identity.clientId;
  if (identity.scopes.length > 0) headers[SCOPES_HEADER] = identity.scopes.join(' ');
  return headers;
}

type IdentityEnv = { Variables: { identity: Identity } };

export function readIdentity(key: string, maxSkewMs: number): MiddlewareHandler<IdentityEnv> {
  return async (c, next) => {
    if (!c.req.header(SIGNATURE_HEADER)) {
      c.set('identity', ANONYMOUS);
      return next();
    }
    const verdict = await verifyRequestSignature(c, key, maxSkewMs);
    if (!verdict.ok) throw new UnauthorizedError(verdict.reason, 'invalid_signature');
    c.set('identity', signedIdentity(verdict.caller, (name) => c.req.header(name)));
    await next();
  };
}

/** The identity the headers of a request whose signature verified carry. */
export function signedIdentity(caller: string, header: (name: string) => string | undefined): Identity {
  const method = (header(AUTH_METHOD_HEADER) ?? 'internal') as AuthMethod;
  const scopes = (header(SCOPES_HEADER) ?? '').split(' ').filter(Boolean);
  const userId = header(USER_ID_HEADER);
  const clientId = header(CLIENT_ID_HEADER);
  return { method, scopes, caller, ...(userId ? { userId } : {}), ...(clientId ? { clientId } : {}) };
}

/** The end user's id, or 401 when the request carries none. */
export function requireUser(identity: Identity): string {
  if (!identity.userId) throw new UnauthorizedError('this call needs an end-user token', 'user_required');
  return identity.userId;
}

/** 403 unless the caller holds `scope` (internal callers hold every scope). */
export function requireScope(identity: Identity, scope: string): void {
  if (identity.method === 'internal') return;
  if (!identity.scopes.includes(scope)) throw new ForbiddenError(`this call needs the scope ${scope}`, 'insufficient_scope');
}
