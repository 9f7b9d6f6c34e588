// Viewer counts come from sandglass: the online count of each live room's
// presence module `room:<id>`, pulled in batches of at most 500 modules (the
// limit of sandglass's counts call). homer may also push connection counts
// directly (PUT /internal/rooms/{id}/viewers); the latest value wins.
// With several villa processes one of them polls per interval: each tick
// takes a short lease in the shared hot state first.
import { randomUUID } from 'node:crypto';
import { z, type Logger, type ServiceClient } from '@bamboo/kit';
import type { HotState } from '@bamboo/engines';
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

/** Polls every `intervalMs` when this process holds the tick's lease; returns the stop function. */
export function startViewerPoller(
  v: Villa,
  hot: HotState,
  sandglass: ServiceClient,
  intervalMs: number,
  logger: Logger,
): () => void {
  const me = randomUUID();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    hot
      .set('viewers-poll-lease', me, { ifAbsent: true, ttlMs: Math.max(1, Math.floor(intervalMs * 0.9)) })
      .then((leased) => (leased ? pollViewers(v, sandglass, Date.now()) : 0))
      .catch((err) => logger.warn({ err }, 'pulling viewer counts from sandglass failed'))
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
