// Live-session ids as agreed with villa: `<start epoch ms, base36, 9 chars
// zero-padded>-<random>`, so ids compare (as strings) in start order and
// villa can ignore a call about an older session than its current one.
import { randomBytes } from 'node:crypto';

export function newSessionId(startedAtMs: number): string {
  if (!Number.isSafeInteger(startedAtMs) || startedAtMs < 0) throw new RangeError(`bad start time ${startedAtMs}`);
  return `${startedAtMs.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

/** The start time encoded in a session id, or undefined when it is not one of ours. */
export function sessionStart(sessionId: string): number | undefined {
  const match = /^([0-9a-z]{9})-[0-9a-f]+$/.exec(sessionId);
  return match?.[1] ? parseInt(match[1], 36) : undefined;
}
