// The hot indexes are derived data: when the hot state is empty (memory
// engine after a restart, or a fresh / flushed Redis) they are rebuilt from
// the room documents, seeding likes and viewers from the last flush.
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
