// Checks the internal signature of an incoming Hono request (path, query,
// body and headers as received).
import type { Context } from 'hono';
import { verifySignature, type VerifyResult } from './internal-signature.js';

export async function verifyRequestSignature(c: Context, key: string, maxSkewMs: number): Promise<VerifyResult> {
  const url = new URL(c.req.url);
  const body = new Uint8Array(await c.req.arrayBuffer());
  return verifySignature(key, {
    method: c.req.method,
    pathWithQuery: url.pathname + url.search,
    body: body.byteLength > 0 ? body : undefined,
    headers: { get: (name) => c.req.header(name) },
    nowMs: Date.now(),
    maxSkewMs,
  });
}
