// The periodic jobs of a sandglass process: reaping expired users, sampling
// module peaks, flushing durations. Every process runs them; all are safe
// to run concurrently on one Redis (reaping is one Lua call per shard, a
// changed user is popped once, records are written with $max). A tick that
// is still running when the next is due is skipped, never stacked.
import type { Logger } from '@bamboo/kit';
import { flushDurations, peakSampler, type FlushDeps, type PeakDeps } from './flush.js';

export interface BackgroundOptions extends FlushDeps, PeakDeps {
  logger: Logger;
  reapEveryMs: number;
  peaksEveryMs: number;
  flushEveryMs: number;
}

export function startBackground(options: BackgroundOptions): { stop(): Promise<void> } {
  const { store, logger } = options;
  const samplePeaks = peakSampler(options);
  const jobs = [
    every(options.reapEveryMs, 'reap', logger, async () => {
      const reaped = await store.reap();
      if (reaped > 0) logger.debug({ reaped }, 'reaped expired users');
    }),
    every(options.peaksEveryMs, 'peaks', logger, async () => {
      logger.debug(await samplePeaks(), 'sampled module peaks');
    }),
    every(options.flushEveryMs, 'flush', logger, async () => {
      logger.debug({ users: await flushDurations(options) }, 'flushed durations');
    }),
  ];
  return {
    async stop() {
      await Promise.all(jobs.map((job) => job.stop()));
      // Last flush, so a clean shutdown keeps what was counted.
      await samplePeaks().catch((err: unknown) => logger.warn({ err }, 'final peak sample failed'));
      await flushDurations(options).catch((err: unknown) => logger.warn({ err }, 'final flush failed'));
    },
  };
}

function every(ms: number, name: string, logger: Logger, job: () => Promise<void>): { stop(): Promise<void> } {
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
