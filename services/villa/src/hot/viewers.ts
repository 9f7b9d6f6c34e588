// Viewer counts come from sandglass: the online count of each live room's
// presence module `room:<id>`, pulled in batches of at most 500 modules (the
// limit of sandglass's counts call). homer may also push connection counts
// directly (PUT /internal/rooms/{id}/viewers); the latest value wins.
import { z, type Logger, type ServiceClient } from '@bamboo/kit';
import type { Villa } from '../rooms/deps.js';

const BATCH = 500;
const Counts = z.object({ counts: z.record(z.string(), z.number()) });

export async function pollViewers(v: Villa, sandglass: ServiceClient, now: number): Promise<number> {
  let updated = 0;
  for (let after = ''; ; ) {
    const ids = await v.hot.liveRooms(after, BATCH);
    if (ids.length === 0) return updated;
    const modules = ids.map((id) => `room:${id}`);
    const { counts } = await sandglass.call('POST', '/internal/modules/counts', { body: { modules }, schema: Counts });
    for (const id of ids) {
      const count = counts[`room:${id}`];
      if (count === undefined || !Number.isSafeInteger(count) || count < 0) continue;
      if (await v.hot.setViewers(id, count, now)) updated++;
    }
    if (ids.length < BATCH) return updated;
    after = ids.at(-1)!;
  }
}

/** Polls every `intervalMs`; returns the stop function. */
export function startViewerPoller(v: Villa, sandglass: ServiceClient, intervalMs: number, logger: Logger): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pollViewers(v, sandglass, Date.now())
      .catch((err) => logger.warn({ err }, 'pulling viewer counts from sandglass failed'))
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
