// Verifies a signed partner request. Each refusal is a 401 whose code says
// which check failed: signature_malformed, timestamp_skewed, digest_mismatch,
// unknown_key, bad_signature, nonce_replayed. The nonce is claimed only after
// the signature verified, so a forger cannot burn a partner's nonces.
import { timingSafeEqual } from 'node:crypto';
import { liveSecrets } from '../../clients/client.js';
import type { ClientDirectory } from '../../clients/directory.js';
import type { SecretBox } from '../../clients/secrets.js';
import type { NonceStore } from '../../stores/nonce-store.js';
import { AuthError, type Principal } from '../principal.js';
import { SIGNED_HEADERS, canonicalString, hmacHex, sha256Hex } from './canonical.js';

export interface SignedDeps {
  directory: ClientDirectory;
  nonces: NonceStore;
  box: SecretBox;
  maxSkewSeconds: number;
}

/** Reads a request header by lower-case name (web `Headers`, or the public path's view of node's). */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface SignedRequest {
  method: string;
  path: string;
  query: string;
  headers: HeaderReader;
  body: Uint8Array | undefined;
}

const refuse = (code: string, message: string) => new AuthError(401, code, message, `APOLLO-HMAC-SHA256 realm="bamboo", error="${code}"`);

export const isSigned = (headers: HeaderReader) => headers.get(SIGNED_HEADERS.signature) !== null || headers.get(SIGNED_HEADERS.key) !== null;

export async function verifySignedRequest(deps: SignedDeps, request: SignedRequest, nowMs = Date.now()): Promise<Principal> {
  const get = (name: string) => request.headers.get(name) ?? '';
  const keyId = get(SIGNED_HEADERS.key);
  const timestamp = get(SIGNED_HEADERS.timestamp);
  const nonce = get(SIGNED_HEADERS.nonce);
  const digest = get(SIGNED_HEADERS.digest).toLowerCase();
  const signature = get(SIGNED_HEADERS.signature).toLowerCase();
  if (!keyId) throw refuse('signature_malformed', `${SIGNED_HEADERS.key} is missing`);
  if (!/^\d{1,12}$/.test(timestamp)) throw refuse('signature_malformed', `${SIGNED_HEADERS.timestamp} must be unix seconds`);
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) throw refuse('signature_malformed', `${SIGNED_HEADERS.nonce} must be 16-64 characters of [A-Za-z0-9_-]`);
  if (!/^[0-9a-f]{64}$/.test(digest)) throw refuse('signature_malformed', `${SIGNED_HEADERS.digest} must be the hex SHA-256 of the body`);
  if (!/^[0-9a-f]{64}$/.test(signature)) throw refuse('signature_malformed', `${SIGNED_HEADERS.signature} must be hex HMAC-SHA256`);

  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > deps.maxSkewSeconds) throw refuse('timestamp_skewed', `timestamp is ${Math.round(skew)} s away from apollo's clock (at most ${deps.maxSkewSeconds} s)`);
  if (sha256Hex(request.body) !== digest) throw refuse('digest_mismatch', 'the body does not match its SHA-256 digest');

  const client = await deps.directory.get(keyId);
  if (!client) throw refuse('unknown_key', `no client ${keyId}`);
  if (client.disabled) throw refuse('client_disabled', `client ${keyId} is disabled`);
  const canonical = canonicalString({ method: request.method, path: request.path, query: request.query, bodySha256: digest, timestamp, nonce });
  const given = Buffer.from(signature, 'hex');
  const matches = liveSecrets(client, nowMs).some((stored) => timingSafeEqual(Buffer.from(hmacHex(deps.box.open(stored.sealed), canonical), 'hex'), given));
  if (!matches) throw refuse('bad_signature', 'the signature does not match the canonical request');

  const fresh = await deps.nonces.claim(keyId, nonce, deps.maxSkewSeconds * 2 * 1000);
  if (!fresh) throw refuse('nonce_replayed', 'this nonce was already used');
  return { method: 'signed', clientId: client._id, scopes: client.scopes };
}
