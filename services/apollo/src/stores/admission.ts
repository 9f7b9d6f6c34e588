// The admission port: one call per request decides the rate limit (GCRA) and
// the daily quota of a client together.
//
// GCRA (generic cell rate algorithm) with burst = limit: a client may spend
// its whole window at once, then earns one request back every window/limit
// ms. Unlike a fixed window, two windows' worth can never pass around a
// window edge.

export interface AdmissionRequest {
  /** The GCRA bucket, e.g. `rl:<client>:<group>`. */
  rateKey: string;
  limit: number;
  windowMs: number;
  /** The day's quota counter, e.g. `quota:<client>:2026-11-25`; omit for no quota. */
  quota?: { key: string; limit: number; ttlMs: number };
  /**
   * A key that must exist for the request to pass (a cached access token's,
   * Principal.liveKey); when it is gone the answer is reason 'revoked' and
   * nothing is consumed. Only the shared (Redis) adapter is given one.
   */
  liveKey?: string;
}

export interface AdmissionResult {
  allowed: boolean;
  /** Why a refusal happened. */
  reason?: 'rate' | 'quota' | 'revoked';
  /** Requests that could still pass right now in this bucket. */
  remaining: number;
  /** Ms until the bucket is full again. */
  resetMs: number;
  /** Ms to wait before retrying (0 when allowed). */
  retryAfterMs: number;
  /** Requests left today (undefined without a quota). */
  quotaRemaining?: number;
}

/**
 * Guarantees (every adapter):
 * - check and consume are one atomic step, across every node sharing the
 *   store (Redis: one Lua script, one round trip, Redis' own clock);
 * - with `limit` requests allowed per window, the (limit+1)th request inside
 *   the window is refused, whichever node it reaches;
 * - a refused request consumes nothing: neither the bucket nor the quota;
 * - a store that does not answer throws ServiceUnavailableError.
 */
export interface AdmissionStore {
  admit(request: AdmissionRequest): Promise<AdmissionResult>;
}

/** GCRA arithmetic shared by the memory adapter (the Lua script mirrors it). */
export function gcra(tatOrNull: number | null, nowMs: number, limit: number, windowMs: number) {
  const emission = windowMs / limit;
  const tat = Math.max(tatOrNull ?? nowMs, nowMs);
  const newTat = tat + emission;
  const allowAt = newTat - windowMs;
  if (allowAt - nowMs > EPSILON) {
    return { allowed: false as const, resetMs: Math.ceil(tat - nowMs), retryAfterMs: Math.ceil(allowAt - nowMs), remaining: 0 };
  }
  const remaining = Math.floor((windowMs - (newTat - nowMs)) / emission + EPSILON);
  return { allowed: true as const, newTat, resetMs: Math.ceil(newTat - nowMs), retryAfterMs: 0, remaining };
}

/** Float slack for window/limit arithmetic (ms). */
const EPSILON = 1e-6;
