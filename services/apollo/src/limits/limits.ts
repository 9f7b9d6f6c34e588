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

/** Idle in-flight counters are dropped once there are more than this many (anonymous callers are keyed per address). */
const SWEEP_ABOVE = 10_000;

export class Limits {
  /**
   * Requests in flight per subject. A counter stays while it is idle: deleting
   * and re-adding a key per request churned the Map's table, and every new
   * table outlived a scavenge into V8's old generation.
   */
  private readonly inFlight = new Map<string, { running: number }>();

  constructor(
    private readonly store: AdmissionStore,
    private readonly timeZone: string,
  ) {}

  async admit(subject: Subject): Promise<Decision> {
    const counter = this.inFlight.get(subject.key) ?? this.newCounter(subject.key);
    if (counter.running >= subject.concurrency) {
      return {
        allowed: false,
        code: 'concurrency_limit',
        message: `${subject.concurrency} requests of this client are already in flight`,
        headers: { 'retry-after': '1' },
      };
    }
    counter.running++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      counter.running--;
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

  private newCounter(key: string): { running: number } {
    if (this.inFlight.size >= SWEEP_ABOVE) {
      for (const [idle, counter] of this.inFlight) if (counter.running === 0) this.inFlight.delete(idle);
    }
    const counter = { running: 0 };
    this.inFlight.set(key, counter);
    return counter;
  }
}
