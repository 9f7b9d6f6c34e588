// AdmissionStore for one node: maps in this process. Also the per-node
// fallback when Redis does not answer (limits/fallback.ts).
import { gcra, type AdmissionResult, type AdmissionStore } from './admission.js';

const SWEEP_ABOVE = 10_000;

export function memoryAdmissionStore(now: () => number = Date.now): AdmissionStore {
  const buckets = new Map<string, { tat: number; expiresAt: number }>();
  const quotas = new Map<string, { used: number; expiresAt: number }>();

  const sweep = (t: number) => {
    for (const map of [buckets, quotas] as Array<Map<string, { expiresAt: number }>>) {
      if (map.size < SWEEP_ABOVE) continue;
      for (const [key, entry] of map) if (entry.expiresAt <= t) map.delete(key);
    }
  };

  return {
    async admit({ rateKey, limit, windowMs, quota }) {
      const t = now();
      sweep(t);
      const bucket = buckets.get(rateKey);
      const verdict = gcra(bucket && bucket.expiresAt > t ? bucket.tat : null, t, limit, windowMs);
      if (!verdict.allowed) return { ...verdict, reason: 'rate' };
      let quotaRemaining: number | undefined;
      if (quota) {
        const entry = quotas.get(quota.key);
        const used = entry && entry.expiresAt > t ? entry.used : 0;
        if (used >= quota.limit) {
          return { allowed: false, reason: 'quota', remaining: verdict.remaining + 1, resetMs: 0, retryAfterMs: entry!.expiresAt - t, quotaRemaining: 0 };
        }
        quotas.set(quota.key, { used: used + 1, expiresAt: entry && entry.expiresAt > t ? entry.expiresAt : t + quota.ttlMs });
        quotaRemaining = quota.limit - used - 1;
      }
      buckets.set(rateKey, { tat: verdict.newTat, expiresAt: t + verdict.resetMs });
      const result: AdmissionResult = { allowed: true, remaining: verdict.remaining, resetMs: verdict.resetMs, retryAfterMs: 0 };
      if (quotaRemaining !== undefined) result.quotaRemaining = quotaRemaining;
      return result;
    },
  };
}
