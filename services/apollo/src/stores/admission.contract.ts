// The contract every AdmissionStore adapter passes (memory always, Redis in
// test/stores.test.ts through describeRedis).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AdmissionStore } from './admission.js';

export function admissionContract(name: string, make: () => Promise<AdmissionStore>): void {
  describe(`AdmissionStore contract: ${name}`, () => {
    const key = (label: string) => `rl:{${label}-${randomBytes(4).toString('hex')}}:read`;

    it('lets a full window through, then refuses the next with a wait', async () => {
      const store = await make();
      const rateKey = key('burst');
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push(await store.admit({ rateKey, limit: 5, windowMs: 60_000 }));
      expect(seen.map((r) => r.allowed)).toEqual([true, true, true, true, true]);
      expect(seen.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
      const refused = await store.admit({ rateKey, limit: 5, windowMs: 60_000 });
      expect(refused).toMatchObject({ allowed: false, reason: 'rate', remaining: 0 });
      // One request comes back every window/limit = 12 s.
      expect(refused.retryAfterMs).toBeGreaterThan(10_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(12_000);
      expect(refused.resetMs).toBeGreaterThan(50_000);
    });

    it('admits under a limit whose interval is below a millisecond (a billion a minute)', async () => {
      const store = await make();
      const rateKey = key('huge');
      for (let i = 0; i < 3; i++) expect((await store.admit({ rateKey, limit: 1_000_000_000, windowMs: 60_000 })).allowed).toBe(true);
    });

    it('keeps buckets apart', async () => {
      const store = await make();
      const a = key('a');
      const b = key('b');
      expect((await store.admit({ rateKey: a, limit: 1, windowMs: 60_000 })).allowed).toBe(true);
      expect((await store.admit({ rateKey: a, limit: 1, windowMs: 60_000 })).allowed).toBe(false);
      expect((await store.admit({ rateKey: b, limit: 1, windowMs: 60_000 })).allowed).toBe(true);
    });

    it('counts the quota and refuses past it without consuming the rate bucket', async () => {
      const store = await make();
      const rateKey = key('quota');
      const quota = { key: `${rateKey}:day`, limit: 2, ttlMs: 3_600_000 };
      const first = await store.admit({ rateKey, limit: 10, windowMs: 60_000, quota });
      const second = await store.admit({ rateKey, limit: 10, windowMs: 60_000, quota });
      expect([first.quotaRemaining, second.quotaRemaining]).toEqual([1, 0]);
      const third = await store.admit({ rateKey, limit: 10, windowMs: 60_000, quota });
      expect(third).toMatchObject({ allowed: false, reason: 'quota', quotaRemaining: 0 });
      expect(third.retryAfterMs).toBeGreaterThan(0);
      // The refused request took nothing from the bucket: 8 of 10 remain.
      const other = await store.admit({ rateKey, limit: 10, windowMs: 60_000 });
      expect(other).toMatchObject({ allowed: true, remaining: 7 });
    });

    it('does not count a rate refusal against the quota', async () => {
      const store = await make();
      const rateKey = key('norate');
      const quota = { key: `${rateKey}:day`, limit: 5, ttlMs: 3_600_000 };
      expect((await store.admit({ rateKey, limit: 1, windowMs: 60_000, quota })).quotaRemaining).toBe(4);
      expect((await store.admit({ rateKey, limit: 1, windowMs: 60_000, quota })).allowed).toBe(false);
      const next = await store.admit({ rateKey: key('other'), limit: 1, windowMs: 60_000, quota });
      expect(next.quotaRemaining).toBe(3);
    });

    it('decides concurrent requests exactly: limit allowed, the rest refused', async () => {
      const store = await make();
      const rateKey = key('race');
      const results = await Promise.all(Array.from({ length: 50 }, () => store.admit({ rateKey, limit: 20, windowMs: 60_000 })));
      expect(results.filter((r) => r.allowed)).toHaveLength(20);
    });
  });
}
