// The periodic jobs of a sandglass process: reaping expired users and
// flushing records. Every process runs them; both are safe to run
// concurrently on one Redis (reaping is one Lua call per shard, flushing
// pops each changed user once and writes with $max). A tick that is still
// running when the next is due is skipped, never stacked.
import type { Logger } from '@bamboo/kit';
import { flushOnce, type FlushDeps } from './flush.js';

export interface BackgroundOptions extends FlushDeps {
  logger: Logger;
  reapEveryMs: number;
  flushEveryMs: number;
}

export function startBackground(options: BackgroundOptions): { stop(): Promise<void> } {
  const { store, logger } = options;
  const reaper = every(options.reapEveryMs, async () => {
    const reaped = await store.reap();
    if (reaped > 0) logger.debug({ reaped }, 'reaped expired users');
  }, logger, 'reap');
  const flusher = every(options.flushEveryMs, async () => {
    const flushed = await flushOnce(options);
    logger.debug(flushed, 'flushed durations and module peaks');
  }, logger, 'flush');
  return {
    async stop() {
      await Promise.all([reaper.stop(), flusher.stop()]);
      // Last flush, so a clean shutdown loses nothing that was counted.
      await flushOnce(options).catch((err: unknown) => logger.warn({ err }, 'final flush failed'));
    },
  };
}

function every(ms: number, job: () => Promise<void>, logger: Logger, name: string): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = job()
      .catch((err: unknown) => logger.warn({ err }, `${name} failed; retrying next tick`))
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
