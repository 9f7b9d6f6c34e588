// The send-rate limiter: a token bucket per key (user and room), shared by
// every homer node so a user cannot multiply their rate by spreading sends
// over nodes. Implemented as GCRA: one timestamp per key, no refill timer.
//
// Guarantees every adapter gives:
// - `take` admits at most `burst` sends at once and `ratePerS` per second
//   sustained, per key; a refused take changes nothing and says how long
//   until the next send would be admitted;
// - each take is atomic across nodes (Redis: one Lua script on Redis time);
// - a key idle for longer than a full bucket takes no space;
// - a store that does not answer rejects with ServiceUnavailableError.

export interface RateLimit {
  ratePerS: number;
  burst: number;
}

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface SendRate {
  take(key: string, limit: RateLimit): Promise<RateVerdict>;
}

/** GCRA on a theoretical arrival time: the verdict and the new time (undefined when refused). */
export function gcra(tat: number, now: number, limit: RateLimit): { verdict: RateVerdict; tat?: number } {
  const interval = 1000 / limit.ratePerS;
  const next = Math.max(tat, now) + interval;
  const over = next - now - interval * limit.burst;
  if (over > 0) return { verdict: { allowed: false, retryAfterMs: Math.ceil(over) } };
  return { verdict: { allowed: true }, tat: next };
}
