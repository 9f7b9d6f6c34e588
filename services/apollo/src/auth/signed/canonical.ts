// The canonical string of a signed partner request (the seed's "sauth"):
//
//   METHOD \n path \n sorted-query \n hex(sha256(body)) \n timestamp \n nonce
//
// sorted-query: every name=value pair percent-encoded as RFC 3986
// (encodeURIComponent), sorted by name then value, joined with '&'.
// signature: hex(HMAC-SHA256(client secret, canonical string)).
import { createHash, createHmac } from 'node:crypto';

export const SIGNED_HEADERS = {
  key: 'x-apollo-key',
  timestamp: 'x-apollo-timestamp',
  nonce: 'x-apollo-nonce',
  digest: 'x-apollo-content-sha256',
  signature: 'x-apollo-signature',
} as const;

export interface CanonicalInput {
  method: string;
  path: string;
  /** The raw query string, with or without the leading '?'. */
  query: string;
  bodySha256: string;
  /** Unix seconds, as sent. */
  timestamp: string;
  nonce: string;
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function sortedQuery(query: string): string {
  const pairs = [...new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)].map(([k, v]) => [encode(k), encode(v)] as const);
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function sha256Hex(body: Uint8Array | string | undefined): string {
  return createHash('sha256').update(body ?? '').digest('hex');
}

export function canonicalString(input: CanonicalInput): string {
  return [input.method.toUpperCase(), input.path, sortedQuery(input.query), input.bodySha256, input.timestamp, input.nonce].join('\n');
}

export function hmacHex(secret: string, canonical: string): string {
  return createHmac('sha256', secret).update(canonical).digest('hex');
}
