// Per-client admission for one request: the in-flight cap (per node), then
// the rate limit of the route group and the daily quota (shared, one call).
// Answers with the IETF RateLimit headers, and Retry-After on refusals.
import type { Limit } from '../clients/client.js';
import type { AdmissionRequest, AdmissionStore } from '../stores/admission.js';
import { today } from './day.js';

export interface Subject {
  /** The client id, or `anon:<ip>` for anonymous callers. */
  key: string;
  group: string;
  limit: Limit;
  quotaPerDay: number | null;
  concurrency: number;
  /** A key that must still exist (a cached access token's; Principal.liveKey). */
  liveKey?: string;
}

/** `headers`: lower-case names (as node and undici carry them), so nothing is case-folded per request. */
export type Decision =
  | { allowed: true; headers: Record<string, string>; release: () => void }
  | {
      allowed: false;
      /** token_revoked: the liveKey is gone (the caller answers 401, not 429). */
      code: 'rate_limited' | 'quota_exceeded' | 'concurrency_limit' | 'token_revoked';
      message: string;
      headers: Record<string, string>;
    };

export class Limits {
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly store: AdmissionStore,
    private readonly timeZone: string,
  ) {}

  async admit(subject: Subject): Promise<Decision> {
    const running = this.inFlight.get(subject.key) ?? 0;
    if (running >= subject.concurrency) {
      return {
        allowed: false,
        code: 'concurrency_limit',
        message: `${subject.concurrency} requests of this client are already in flight`,
        headers: { 'retry-after': '1' },
      };
    }
    this.inFlight.set(subject.key, running + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(subject.key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(subject.key, left);
      else this.inFlight.delete(subject.key);
    };
    try {
      const day = subject.quotaPerDay === null ? undefined : today(this.timeZone);
      // The hash tag keeps a client's keys in one Redis Cluster slot, should
      // the limits move to a Cluster (a turn's batched script assumes the one
      // Redis of the hot state today).
      // The limit is part of the bucket, so a changed limit applies at once.
      const tag = `{${subject.key}}`;
      const { limit, windowSeconds } = subject.limit;
      const request: AdmissionRequest = { rateKey: `rl:${tag}:${subject.group}:${limit}/${windowSeconds}`, limit, windowMs: windowSeconds * 1000 };
      if (day && subject.quotaPerDay !== null) request.quota = { key: `quota:${tag}:${day.date}`, limit: subject.quotaPerDay, ttlMs: day.msLeft + 3_600_000 };
      if (subject.liveKey) request.liveKey = subject.liveKey;
      const result = await this.store.admit(request);
      const headers: Record<string, string> = {
        'ratelimit-limit': String(subject.limit.limit),
        'ratelimit-remaining': String(Math.max(0, result.remaining)),
        'ratelimit-reset': String(Math.ceil(result.resetMs / 1000)),
      };
      if (result.quotaRemaining !== undefined) headers['x-quota-remaining'] = String(result.quotaRemaining);
      if (result.allowed) return { allowed: true, headers, release };
      release();
      if (result.reason === 'revoked') return { allowed: false, code: 'token_revoked', message: 'access token is unknown, expired or revoked', headers: {} };
      if (result.reason === 'quota') {
        return {
          allowed: false,
          code: 'quota_exceeded',
          message: `daily quota of ${subject.quotaPerDay} requests used up`,
          headers: { ...headers, 'x-quota-remaining': '0', 'retry-after': String(Math.max(1, Math.ceil((day?.msLeft ?? 0) / 1000))) },
        };
      }
      return {
        allowed: false,
        code: 'rate_limited',
        message: `over ${subject.limit.limit} requests per ${subject.limit.windowSeconds} s for ${subject.group}`,
        headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))) },
      };
    } catch (error) {
      release();
      throw error;
    }
  }
}
