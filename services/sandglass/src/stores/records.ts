// Documents of record that outlive the hot state: each user's online time
// per day and each module's peak online count per day. Written once in
// MongoDB's query language, so it runs on MongoDB and the embedded store.
// Writes use $max: values only grow, so a repeated or out-of-order flush
// (two processes, a retry) never lowers or double-counts anything.
import type { DocumentStore } from '@bamboo/engines';

interface DailyDuration {
  _id: string; // `${uid}|${day}`
  uid: string;
  day: string;
  ms: number;
}

interface ModulePeak {
  _id: string; // `${module}|${day}`
  module: string;
  day: string;
  peak: number;
}

export interface Records {
  /** Stores each user's per-day totals (absolute values for the day). */
  saveDurations(users: Array<{ uid: string; days: Record<string, number> }>): Promise<void>;
  /** Per-day milliseconds stored for the user. */
  durations(uid: string): Promise<Record<string, number>>;
  /** Raises each module's stored peak for `day` to the count seen now. */
  savePeaks(day: string, counts: Record<string, number>): Promise<void>;
  peak(module: string, day: string): Promise<number>;
}

export async function openRecords(docs: DocumentStore): Promise<Records> {
  const daily = docs.collection<DailyDuration>('daily_durations');
  const peaks = docs.collection<ModulePeak>('module_peaks');
  await daily.createIndex({ uid: 1, day: 1 });
  return {
    async saveDurations(users) {
      for (const { uid, days } of users) {
        for (const [day, ms] of Object.entries(days)) {
          await daily.updateOne(
            { _id: `${uid}|${day}` },
            { $max: { ms }, $setOnInsert: { uid, day } },
            { upsert: true },
          );
        }
      }
    },
    async durations(uid) {
      const rows = await daily.find({ uid }, { projection: { day: 1, ms: 1 } });
      return Object.fromEntries(rows.map((r) => [r.day, r.ms]));
    },
    async savePeaks(day, counts) {
      for (const [module, count] of Object.entries(counts)) {
        if (count === 0) continue;
        await peaks.updateOne(
          { _id: `${module}|${day}` },
          { $max: { peak: count }, $setOnInsert: { module, day } },
          { upsert: true },
        );
      }
    },
    async peak(module, day) {
      return (await peaks.findOne({ _id: `${module}|${day}` }))?.peak ?? 0;
    },
  };
}
