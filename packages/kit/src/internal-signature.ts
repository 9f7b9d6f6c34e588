// Service-to-service calls are signed with the shared internal key:
//   signature = hex(HMAC-SHA256(key, METHOD \n path?query \n sha256(body) \n timestamp \n caller))
// sent as x-bamboo-caller, x-bamboo-timestamp (ms since epoch) and
// x-bamboo-signature ("v1=<hex>"). The receiver recomputes it and refuses
// missing, wrong or stale signatures, so a caller that can reach a service's
// port still cannot use its internal routes without the key.
//
// Signing runs for every call a service makes (apollo: every forwarded
// request), so it uses node's one-shot hash(): a Hash or Hmac object per call
// is a native object that each young-generation GC has to visit, which cost
// apollo several percent of its CPU per request. The HMAC is RFC 2104 over
// that one-shot SHA-256, with the key's pads computed once per key; a test
// checks it against createHmac.
import { hash, timingSafeEqual } from 'node:crypto';

export const CALLER_HEADER = 'x-bamboo-caller';
export const TIMESTAMP_HEADER = 'x-bamboo-timestamp';
export const SIGNATURE_HEADER = 'x-bamboo-signature';
const VERSION = 'v1';

export interface SignInput {
  method: string;
  /** Path with its query string exactly as sent, e.g. `/internal/x?a=1`. */
  pathWithQuery: string;
  body: Uint8Array | string | undefined;
  caller: string;
  timestampMs: number;
}

const EMPTY_BODY_DIGEST = hash('sha256', '', 'hex');

export function bodyDigest(body: Uint8Array | string | undefined): string {
  if (body === undefined || body.length === 0) return EMPTY_BODY_DIGEST;
  return hash('sha256', typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength), 'hex');
}

function canonical(input: SignInput): string {
  return `${input.method.toUpperCase()}\n${input.pathWithQuery}\n${bodyDigest(input.body)}\n${input.timestampMs}\n${input.caller}`;
}

const SHA256_BLOCK = 64;
const pads = new Map<string, { inner: Buffer; outer: Buffer }>();

/** The key XOR ipad and XOR opad (RFC 2104), once per key (services hold one or two). */
function padsOf(key: string): { inner: Buffer; outer: Buffer } {
  let found = pads.get(key);
  if (!found) {
    const raw = Buffer.from(key);
    const block = Buffer.alloc(SHA256_BLOCK);
    (raw.length > SHA256_BLOCK ? hash('sha256', raw, 'buffer') : raw).copy(block);
    found = { inner: Buffer.from(block.map((b) => b ^ 0x36)), outer: Buffer.from(block.map((b) => b ^ 0x5c)) };
    pads.set(key, found);
  }
  return found;
}

/**
 * Scratch space for the two hashed messages: [pad | message] and
 * [pad | inner digest]. hash() is synchronous, so one buffer per process is
 * enough, and nothing is allocated per call: a fresh digest Buffer is an
 * ArrayBuffer that each young-generation GC had to sweep (apollo signs every
 * forwarded request, and that sweep was part of every scavenge's pause).
 */
let innerScratch = Buffer.allocUnsafeSlow(SHA256_BLOCK + 1024);
const outerScratch = Buffer.allocUnsafeSlow(SHA256_BLOCK + 32);

/** HMAC-SHA256(key, message) in hex. */
export function hmacSha256Hex(key: string, message: string): string {
  const { inner, outer } = padsOf(key);
  const length = SHA256_BLOCK + Buffer.byteLength(message);
  if (length > innerScratch.length) innerScratch = Buffer.allocUnsafeSlow(length);
  inner.copy(innerScratch);
  innerScratch.write(message, SHA256_BLOCK);
  const innerDigest = hash('sha256', innerScratch.subarray(0, length), 'binary'); // latin1: one char per byte
  outer.copy(outerScratch);
  outerScratch.write(innerDigest, SHA256_BLOCK, 'binary');
  return hash('sha256', outerScratch, 'hex');
}

export function computeSignature(key: string, input: SignInput): string {
  return `${VERSION}=${hmacSha256Hex(key, canonical(input))}`;
}

/** Headers to add to an outgoing internal call. */
export function signatureHeaders(key: string, input: SignInput): Record<string, string> {
  return {
    [CALLER_HEADER]: input.caller,
    [TIMESTAMP_HEADER]: String(input.timestampMs),
    [SIGNATURE_HEADER]: computeSignature(key, input),
  };
}

export type VerifyResult = { ok: true; caller: string } | { ok: false; reason: string };

export interface VerifyInput {
  method: string;
  pathWithQuery: string;
  body: Uint8Array | undefined;
  headers: { get(name: string): string | null | undefined };
  nowMs: number;
  maxSkewMs: number;
}

export function verifySignature(key: string, input: VerifyInput): VerifyResult {
  const caller = input.headers.get(CALLER_HEADER);
  const timestamp = input.headers.get(TIMESTAMP_HEADER);
  const signature = input.headers.get(SIGNATURE_HEADER);
  if (!caller || !timestamp || !signature) return { ok: false, reason: 'missing internal signature' };
  const timestampMs = Number(timestamp);
  if (!Number.isSafeInteger(timestampMs)) return { ok: false, reason: 'malformed signature timestamp' };
  if (Math.abs(input.nowMs - timestampMs) > input.maxSkewMs) {
    return { ok: false, reason: 'stale internal signature (timestamp outside the allowed window)' };
  }
  const expected = Buffer.from(
    computeSignature(key, { ...input, caller, timestampMs }),
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad internal signature' };
  }
  return { ok: true, caller };
}
