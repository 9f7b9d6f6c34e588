// Exponential backoff with jitter: attempt 1 waits about `minMs`, each next
// attempt twice as long, never more than `maxMs`. The jitter (±20 %) keeps
// many relays or retries that failed together from retrying in lockstep.
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(maxMs, Math.max(1, jittered)));
}
