// Service-to-service calls are signed with the shared internal key:
//   signature = hex(HMAC-SHA256(key, METHOD \n path?query \n sha256(body) \n timestamp \n caller))
// sent as x-bamboo-caller, x-bamboo-timestamp (ms since epoch) and
// x-bamboo-signature ("v1=<hex>"). The receiver recomputes it and refuses
// missing, wrong or stale signatures, so a caller that can reach a service's
// port still cannot use its internal routes without the key.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

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

export function bodyDigest(body: Uint8Array | string | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

function canonical(input: SignInput): string {
  return [
    input.method.toUpperCase(),
    input.pathWithQuery,
    bodyDigest(input.body),
    String(input.timestampMs),
    input.caller,
  ].join('\n');
}

export function computeSignature(key: string, input: SignInput): string {
  return `${VERSION}=${createHmac('sha256', key).update(canonical(input)).digest('hex')}`;
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
