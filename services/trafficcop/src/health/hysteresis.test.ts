import { describe, expect, it } from 'vitest';
import { Hysteresis } from './hysteresis.js';

describe('Hysteresis', () => {
  it('degrades at once and recovers only after an unbroken hold-down of good health', () => {
    const h = new Hysteresis(10_000, 0);
    expect(h.observe(false, 1_000)).toBeUndefined();
    expect(h.observe(true, 2_000)).toBe('degraded');
    expect(h.observe(false, 3_000)).toBeUndefined(); // good run starts
    expect(h.observe(false, 12_999)).toBeUndefined();
    expect(h.observe(true, 13_000)).toBeUndefined(); // a flap restarts the hold-down
    expect(h.observe(false, 14_000)).toBeUndefined();
    expect(h.observe(false, 23_999)).toBeUndefined();
    expect(h.status).toBe('degraded');
    expect(h.observe(false, 24_000)).toBe('healthy');
    expect(h.since).toBe(24_000);
  });
});
