// The send-rate contract every adapter passes (see send-rate.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SendRate } from './send-rate.js';

export interface SendRateHarness {
  open(): Promise<{ a: SendRate; b: SendRate; close(): Promise<void> }>;
}

export function sendRateContract(name: string, harness: SendRateHarness): void {
  describe(`send-rate contract: ${name}`, () => {
    let a: SendRate;
    let b: SendRate;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ a, b, close } = await harness.open());
    });
    afterEach(async () => close());

    it('admits the burst across nodes, then refuses with the wait, then admits again', async () => {
      const limit = { ratePerS: 5, burst: 3 };
      const verdicts = [await a.take('k', limit), await b.take('k', limit), await a.take('k', limit), await b.take('k', limit)];
      expect(verdicts.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
      const refused = verdicts[3]!;
      expect(refused.allowed).toBe(false);
      const wait = refused.allowed ? 0 : refused.retryAfterMs;
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(200);
      // other keys are untouched
      expect(await a.take('other', limit)).toEqual({ allowed: true });
      await new Promise((r) => setTimeout(r, wait + 20));
      expect(await b.take('k', limit)).toEqual({ allowed: true });
    });
  });
}
