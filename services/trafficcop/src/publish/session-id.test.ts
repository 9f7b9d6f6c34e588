import { describe, expect, it } from 'vitest';
import { newSessionId, sessionStart } from './session-id.js';

describe('live session ids', () => {
  it('encode the start time, 9 base36 chars zero-padded, and sort by it', () => {
    const early = newSessionId(1_000);
    const late = newSessionId(1_795_600_000_000);
    expect(early).toMatch(/^0000000rs-[0-9a-f]{12}$/);
    expect(late.split('-')[0]).toHaveLength(9);
    expect(early < late).toBe(true);
    expect(sessionStart(late)).toBe(1_795_600_000_000);
    expect(sessionStart('not-an-id')).toBeUndefined();
  });

  it('differ for the same start time', () => {
    expect(newSessionId(5)).not.toBe(newSessionId(5));
  });

  it('refuse a bad time', () => {
    expect(() => newSessionId(-1)).toThrow(RangeError);
    expect(() => newSessionId(1.5)).toThrow(RangeError);
  });
});
