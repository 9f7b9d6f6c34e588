import { describe, expect, it } from 'vitest';
import { dayOf, weekOf } from './entry.js';
import { rankingKey, revenueKey, summaryIncrements } from './summaries.js';

describe('dayOf / weekOf', () => {
  it('names UTC days and ISO weeks, including year boundaries', () => {
    expect(dayOf(Date.UTC(2026, 10, 25, 23, 59))).toBe('2026-11-25');
    expect(weekOf(Date.UTC(2026, 10, 25))).toBe('2026-W48');
    // 2027-01-01 is a Friday: it belongs to the last ISO week of 2026.
    expect(weekOf(Date.UTC(2027, 0, 1))).toBe('2026-W53');
    // 2024-12-30 is a Monday in the first ISO week of 2025.
    expect(weekOf(Date.UTC(2024, 11, 30))).toBe('2025-W01');
    expect(weekOf(Date.UTC(2026, 0, 4))).toBe('2026-W01');
    expect(weekOf(Date.UTC(2026, 0, 5))).toBe('2026-W02');
  });
});

describe('summaryIncrements', () => {
  const at = Date.UTC(2026, 10, 25, 12);
  const gift = { fromUid: 'fan', toUid: 'star', roomId: 'r1', amount: 30, at };

  it('feeds the room rankings (session, day, week), the global rankings and the revenue', () => {
    expect(summaryIncrements({ ...gift, sessionId: 's1' })).toEqual(
      expect.arrayContaining([
        { type: 'zset', key: rankingKey.room('r1', 'session', 's1'), member: 'fan', by: 30 },
        { type: 'zset', key: rankingKey.room('r1', 'day', '2026-11-25'), member: 'fan', by: 30 },
        { type: 'zset', key: rankingKey.room('r1', 'week', '2026-W48'), member: 'fan', by: 30 },
        { type: 'zset', key: rankingKey.globalSenders('2026-11-25'), member: 'fan', by: 30 },
        { type: 'zset', key: rankingKey.globalAnchors('2026-11-25'), member: 'star', by: 30 },
        { type: 'hash', key: revenueKey('star'), member: '2026-11-25', by: 30 },
      ]),
    );
    expect(summaryIncrements({ ...gift, sessionId: 's1' })).toHaveLength(6);
  });

  it('has no session ranking for a room that is not live', () => {
    const keys = summaryIncrements({ ...gift, sessionId: null }).map((s) => s.key);
    expect(keys).toHaveLength(5);
    expect(keys.some((k) => k.includes(':session:'))).toBe(false);
  });
});
