// A user's online time: what the hot state still holds, merged with what
// was flushed to the document store. Both only grow per day, so the larger
// of the two is the truth for each day; the total is the sum of the days.
import type { PresenceStore } from '../stores/presence.js';
import type { Records } from '../stores/records.js';

export interface DurationReport {
  uid: string;
  day: string;
  dayMs: number;
  totalMs: number;
}

export async function durationsOf(store: PresenceStore, records: Records, uid: string, day: string): Promise<DurationReport> {
  const [hot, kept] = await Promise.all([store.durations(uid), records.durations(uid)]);
  const merged: Record<string, number> = { ...kept };
  for (const [d, ms] of Object.entries(hot.days)) merged[d] = Math.max(ms, merged[d] ?? 0);
  const totalMs = Object.values(merged).reduce((a, b) => a + b, 0);
  return { uid, day, dayMs: merged[day] ?? 0, totalMs };
}
