// Hot fields reach the room documents periodically (DESIGN: hot state in
// Redis, documents of record in the document store): each dirty room's
// viewers, likes and popularity are written to its document, and its live
// session's peak viewers raised. A failed flush marks the rooms dirty again.
import type { Logger } from '@bamboo/kit';
import type { Villa } from '../rooms/deps.js';

const BATCH = 500;

/** Flushes every room dirty now; returns how many were written. */
export async function flushHot(v: Villa, now: number): Promise<number> {
  let written = 0;
  for (;;) {
    const ids = await v.hot.takeDirty(BATCH);
    if (ids.length === 0) return written;
    try {
      const [fields, rooms] = await Promise.all([v.hot.fields(ids), v.rooms.many(ids)]);
      const byId = new Map(rooms.map((r) => [r._id, r]));
      await Promise.all(
        ids.map(async (id, i) => {
          const hot = fields[i];
          const room = byId.get(id);
          if (!hot || !room) return;
          await v.rooms.saveHot(id, { ...hot, flushedAt: now });
          if (room.live && room.sessionId) await v.sessions.peak(id, room.sessionId, hot.viewers);
        }),
      );
      written += ids.length;
    } catch (err) {
      await v.hot.markDirty(ids).catch(() => undefined);
      throw err;
    }
    if (ids.length < BATCH) return written;
  }
}

/** Runs flushHot every `intervalMs`; the returned function stops it and flushes once more. */
export function startFlusher(v: Villa, intervalMs: number, logger: Logger): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = flushHot(v, Date.now()).catch((err) => logger.warn({ err }, 'flushing hot fields failed; will retry'));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    await flushHot(v, Date.now()).catch((err) => logger.warn({ err }, 'final flush of hot fields failed'));
  };
}
