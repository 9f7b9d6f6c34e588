// The signing helper for partner servers: the headers to send with a request
// so apollo accepts it. scripts/sign.mjs wraps it for curl.
import { randomBytes } from 'node:crypto';
import { SIGNED_HEADERS, canonicalString, hmacHex, sha256Hex } from './canonical.js';

export interface SignRequestInput {
  keyId: string;
  secret: string;
  method: string;
  /** A full URL or a path with its query, e.g. `/v1/rooms?category=3`. */
  url: string;
  body?: string | Uint8Array;
  /** Unix seconds; now by default. */
  timestamp?: number;
  nonce?: string;
}

export function signRequest(input: SignRequestInput): Record<string, string> {
  const url = new URL(input.url, 'http://apollo');
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? randomBytes(16).toString('hex');
  const bodySha256 = sha256Hex(input.body);
  const canonical = canonicalString({ method: input.method, path: url.pathname, query: url.search, bodySha256, timestamp, nonce });
  return {
    [SIGNED_HEADERS.key]: input.keyId,
    [SIGNED_HEADERS.timestamp]: timestamp,
    [SIGNED_HEADERS.nonce]: nonce,
    [SIGNED_HEADERS.digest]: bodySha256,
    [SIGNED_HEADERS.signature]: hmacHex(input.secret, canonical),
  };
}
