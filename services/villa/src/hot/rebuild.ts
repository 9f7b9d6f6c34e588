// The hot indexes are derived data: when the hot state is empty (memory
// engine after a restart, or a fresh / flushed Redis) they are rebuilt from
// the room documents, seeding likes and viewers from the last flush — on
// boot, and whenever a periodic check finds the hot state emptied (a Redis
// restarted without persistence), so villa heals without a restart.
import type { Logger } from '@bamboo/kit';
import type { Villa } from '../rooms/deps.js';
import { reindex } from '../rooms/rooms.js';

const PAGE = 500;

/** Returns how many rooms were indexed (0 when the index was already built). */
export async function rebuildIndexIfEmpty(v: Villa): Promise<number> {
  if (await v.hot.isBuilt()) return 0;
  let count = 0;
  for (let after = ''; ; ) {
    const rooms = await v.rooms.page(after, PAGE);
    for (const room of rooms) await reindex(v, room);
    count += rooms.length;
    if (rooms.length < PAGE) break;
    after = rooms.at(-1)!._id;
  }
  await v.hot.markBuilt();
  return count;
}

/** Checks every `intervalMs` that the index is built and rebuilds it if not; returns the stop function. */
export function startIndexKeeper(v: Villa, intervalMs: number, logger: Logger): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    rebuildIndexIfEmpty(v)
      .then((rooms) => rooms > 0 && logger.warn({ rooms }, 'hot state was empty: rebuilt the room indexes'))
      .catch((err) => logger.warn({ err }, 'checking the room indexes failed'))
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
