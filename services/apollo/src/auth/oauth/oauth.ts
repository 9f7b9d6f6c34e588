// OAuth 2.0 for third-party apps: the client credentials grant (RFC 6749
// §4.4), revocation (RFC 7009) and introspection (RFC 7662), with opaque
// bearer tokens kept in the hot state, so every apollo node sees a
// revocation on its next request and no particular database is needed.
import { randomBytes } from 'node:crypto';
import type { Client } from '../../clients/client.js';
import type { ClientDirectory } from '../../clients/directory.js';
import { verifyClient } from '../../clients/verify-client.js';
import type { TokenRecord, TokenStore } from '../../stores/token-store.js';
import { AuthError, bearerChallenge, type Principal } from '../principal.js';
import type { TokenCache } from './token-cache.js';

/** An RFC 6749 §5.2 error: `{"error": code, "error_description": ...}`. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope',
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export interface OAuthDeps {
  directory: ClientDirectory;
  tokens: TokenStore;
  tokenTtlSeconds: number;
  /** Records kept per node for the public path. */
  cache?: TokenCache;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** HTTP Basic was used (a failure then answers with a Basic challenge). */
  viaBasic: boolean;
}

/** Credentials from HTTP Basic (RFC 6749 §2.3.1, form-encoded parts) or the form body; never both. */
export function readClientCredentials(authorization: string | undefined, form: Record<string, string>): ClientCredentials {
  const inForm = form.client_id !== undefined || form.client_secret !== undefined;
  if (authorization) {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!match) throw new OAuthError(401, 'invalid_client', 'the Authorization header must be Basic base64(client_id:client_secret)');
    if (inForm) throw new OAuthError(400, 'invalid_request', 'client credentials given both in the header and the body');
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new OAuthError(401, 'invalid_client', 'Basic credentials must be client_id:client_secret');
    try {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
        viaBasic: true,
      };
    } catch {
      throw new OAuthError(401, 'invalid_client', 'Basic credentials are not valid form encoding');
    }
  }
  if (!form.client_id || !form.client_secret) throw new OAuthError(401, 'invalid_client', 'client authentication is required');
  return { clientId: form.client_id, clientSecret: form.client_secret, viaBasic: false };
}

export async function authenticateClient(deps: OAuthDeps, credentials: ClientCredentials): Promise<Client> {
  const client = await verifyClient(deps.directory, credentials.clientId, credentials.clientSecret);
  if (!client) throw new OAuthError(401, 'invalid_client', 'unknown client, wrong secret, or client disabled');
  return client;
}

export function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) throw new OAuthError(400, 'invalid_scope', 'scope has characters RFC 6749 §3.3 does not allow');
  return [...new Set(scopes)];
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** RFC 6749 §4.4: scopes default to all the client's; asking for more is invalid_scope. */
export async function issueToken(deps: OAuthDeps, client: Client, form: Record<string, string>): Promise<TokenResponse> {
  if (!form.grant_type) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
  if (form.grant_type !== 'client_credentials') {
    throw new OAuthError(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
  }
  const requested = parseScope(form.scope) ?? client.scopes;
  const extra = requested.filter((s) => !client.scopes.includes(s));
  if (extra.length > 0) throw new OAuthError(400, 'invalid_scope', `not allowed for this client: ${extra.join(' ')}`);
  const now = Math.floor(Date.now() / 1000);
  const token = `bat_${randomBytes(32).toString('base64url')}`;
  await deps.tokens.save(token, { clientId: client._id, scopes: requested, issuedAt: now, expiresAt: now + deps.tokenTtlSeconds });
  return { access_token: token, token_type: 'Bearer', expires_in: deps.tokenTtlSeconds, scope: requested.join(' ') };
}

/** RFC 7009: revokes `token` if it belongs to `client`; unknown tokens are fine (200). */
export async function revokeToken(deps: OAuthDeps, client: Client, token: string | undefined): Promise<void> {
  if (!token) throw new OAuthError(400, 'invalid_request', 'token is required');
  const record = await deps.tokens.get(token);
  if (record && record.clientId === client._id) {
    deps.cache?.drop(token);
    await deps.tokens.revoke(token);
  }
}

/**
 * RFC 7662: a client may introspect its own tokens; one holding the scope
 * `introspect` or `admin` (a resource server) may introspect any.
 */
export async function introspectToken(deps: OAuthDeps, caller: Client, token: string | undefined) {
  if (!token) throw new OAuthError(400, 'invalid_request', 'token is required');
  const record = await liveRecord(deps, token);
  const visible = record && (record.clientId === caller._id || caller.scopes.includes('introspect') || caller.scopes.includes('admin'));
  if (!record || !visible) return { active: false as const };
  return {
    active: true as const,
    client_id: record.clientId,
    scope: record.scopes.join(' '),
    token_type: 'Bearer',
    exp: record.expiresAt,
    iat: record.issuedAt,
  };
}

/** The token's record while both it and its client are live. */
async function liveRecord(deps: OAuthDeps, token: string): Promise<TokenRecord | null> {
  const record = await deps.tokens.get(token);
  if (!record) return null;
  const client = await deps.directory.get(record.clientId);
  return client && !client.disabled ? record : null;
}

/**
 * A bearer access token at the edge → the principal, or a 401 with the RFC
 * 6750 challenge. With `checksLiveness` the caller promises to check the
 * principal's liveKey (the public path's limits script); then a cached
 * record saves the lookup.
 */
export async function principalFromAccessToken(deps: OAuthDeps, token: string, checksLiveness = false): Promise<Principal> {
  const { cache } = deps;
  const cached = checksLiveness ? cache?.get(token) : undefined;
  if (cached) {
    const client = deps.directory.cached(cached.clientId!) ?? (await deps.directory.get(cached.clientId!));
    if (client && !client.disabled) return cached;
  }
  const record = await liveRecord(deps, token);
  if (!record) throw invalidToken();
  const principal: Principal = { method: 'oauth', clientId: record.clientId, scopes: record.scopes };
  cache?.set(token, record.expiresAt, cache.revokedElsewhere ? { ...principal, liveKey: deps.tokens.liveKey(token) } : principal);
  return principal;
}

export const invalidToken = () =>
  new AuthError(401, 'invalid_token', 'access token is unknown, expired or revoked', bearerChallenge('invalid_token', 'access token is unknown, expired or revoked'));
