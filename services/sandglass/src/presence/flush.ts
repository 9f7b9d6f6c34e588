// Writes what must outlive the hot state to the document store: the daily
// durations of users who were online since the last flush, and each active
// module's count as a candidate for the day's peak (so peaks are sampled at
// the flush interval). Users handed out are put back if the write fails.
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
  /** Modules counted per call. */
  countChunk: number;
}

/** Rounds per flush: a backlog beyond batch × this waits for the next flush. */
const MAX_ROUNDS = 20;

export async function flushOnce(deps: FlushDeps): Promise<{ users: number; modules: number }> {
  const { store, records, clock } = deps;
  let users = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const taken = await store.takeChanged(deps.batch);
    if (taken.length === 0) break;
    // A heartbeat only adds to today and yesterday; older days are already stored.
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
  const modules = await store.activeModules();
  const today = dayOf(clock.now());
  for (let i = 0; i < modules.length; i += deps.countChunk) {
    await records.savePeaks(today, await store.counts(modules.slice(i, i + deps.countChunk)));
  }
  return { users, modules: modules.length };
}
