// Writes what must outlive the hot state to the document store.
// - Durations: users whose online time changed since the last flush, with
//   today's and yesterday's totals (older days cannot change). One write per
//   user-day per flush, so the interval trades document writes against what
//   a lost hot state would take with it. Users handed out are put back if
//   the write fails.
// - Module peaks: each active module's count, sampled; a write happens only
//   when a module beats the peak this process last wrote for the day.
import { DAY_MS, dayOf } from './days.js';
import type { Clock } from './clock.js';
import type { PresenceStore } from '../stores/presence.js';
import type { Records } from '../stores/records.js';

export interface FlushDeps {
  store: PresenceStore;
  records: Records;
  clock: Clock;
  /** Users taken per round. */
  batch: number;
}

/** Flushes every changed user, a batch at a time; returns how many. */
export async function flushDurations({ store, records, clock, batch }: FlushDeps): Promise<number> {
  let users = 0;
  for (;;) {
    const taken = await store.takeChanged(batch);
    if (taken.length === 0) return users;
    const since = dayOf(clock.now() - DAY_MS);
    const recent = taken.map(({ uid, days }) => ({
      uid,
      days: Object.fromEntries(Object.entries(days).filter(([day]) => day >= since)),
    }));
    try {
      await records.saveDurations(recent);
    } catch (err) {
      await store.untake(taken.map((t) => t.uid));
      throw err;
    }
    users += taken.length;
  }
}

export interface PeakDeps {
  store: PresenceStore;
  records: Records;
  clock: Clock;
  /** Modules counted per call. */
  countChunk: number;
}

/** A sampler that remembers what it wrote today, so a steady count costs no write. */
export function peakSampler({ store, records, clock, countChunk }: PeakDeps): () => Promise<{ modules: number; written: number }> {
  let day = '';
  let written = new Map<string, number>();
  return async () => {
    const today = dayOf(clock.now());
    if (today !== day) {
      day = today;
      written = new Map();
    }
    const modules = await store.activeModules();
    let writes = 0;
    for (let i = 0; i < modules.length; i += countChunk) {
      const counts = await store.counts(modules.slice(i, i + countChunk));
      const higher = Object.fromEntries(Object.entries(counts).filter(([m, n]) => n > (written.get(m) ?? 0)));
      if (Object.keys(higher).length === 0) continue;
      await records.savePeaks(today, higher);
      for (const [m, n] of Object.entries(higher)) written.set(m, n);
      writes += Object.keys(higher).length;
    }
    return { modules: modules.length, written: writes };
  };
}
