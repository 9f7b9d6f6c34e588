import { describe, expect, it } from 'vitest';
import { DAY_MS, dayOf, isDay, splitByDay } from '../src/presence/days.js';

describe('days', () => {
  const midnight = Date.UTC(2026, 10, 26);

  it('names UTC days and accepts only real calendar days', () => {
    expect(dayOf(midnight - 1)).toBe('2026-11-25');
    expect(dayOf(midnight)).toBe('2026-11-26');
    expect(isDay('2026-11-25')).toBe(true);
    expect(isDay('2024-02-29')).toBe(true);
    for (const bad of ['2026-02-30', '2026-13-01', '2026-1-01', '26-11-25', '2026-11-25T00', '']) {
      expect(isDay(bad), bad).toBe(false);
    }
  });

  it('splits a stretch at midnight and drops empty or backward ones', () => {
    expect(splitByDay(midnight - 3000, midnight - 1000)).toEqual([{ day: '2026-11-25', ms: 2000 }]);
    expect(splitByDay(midnight - 3000, midnight + 1000)).toEqual([
      { day: '2026-11-25', ms: 3000 },
      { day: '2026-11-26', ms: 1000 },
    ]);
    expect(splitByDay(midnight - 3000, midnight)).toEqual([{ day: '2026-11-25', ms: 3000 }]);
    expect(splitByDay(midnight, midnight)).toEqual([]);
    expect(splitByDay(midnight + DAY_MS, midnight)).toEqual([]);
  });
});
