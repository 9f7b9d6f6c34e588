// The worker loop of the seed: ask the master for a task, process it, report.
// Nothing a task does can stop the loop: a bad image is reported as failed,
// a lost lease or an unreachable master is logged and the loop goes on (the
// master hands an unfinished task out again when its lease runs out).
import type { Logger } from '@bamboo/kit';
import { ImageRejectedError, reason, type ImageLimits } from '../images/inspect.js';
import { processImage } from '../images/process.js';
import type { MasterClient, WorkItem } from './master-client.js';

export interface WorkerOptions {
  id: string;
  client: MasterClient;
  limits: ImageLimits;
  /** How long one ask waits at the master for work (long poll). */
  waitMs: number;
  /** Pause after the master could not be reached. */
  pollMs: number;
  logger: Logger;
  /** Stops the loop after the task in hand (or at once while idle). */
  signal: AbortSignal;
  /** Told when the worker starts and ends a task (so a stop can tell whether one is in hand). */
  onBusy?: (busy: boolean) => void;
  /** Called after each task, for tests and the benchmark. */
  onTask?: (item: WorkItem, outcome: 'finished' | 'failed' | 'lost') => void;
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const { client, logger, signal } = options;
  while (!signal.aborted) {
    let item: WorkItem | null;
    try {
      item = await client.claim(options.id, options.waitMs);
    } catch (error) {
      logger.warn({ err: reason(error) }, 'cannot ask the master for work; retrying');
      await sleep(options.pollMs, signal);
      continue;
    }
    if (!item) continue;
    options.onBusy?.(true);
    const outcome = await handle(item, options);
    options.onBusy?.(false);
    options.onTask?.(item, outcome);
  }
}

async function handle(item: WorkItem, { client, limits, logger }: WorkerOptions): Promise<'finished' | 'failed' | 'lost'> {
  const log = logger.child({ imageId: item.id, attempt: item.attempt });
  try {
    const input = await client.original(item);
    let result;
    try {
      result = await processImage(input, limits);
    } catch (error) {
      const rejected = error instanceof ImageRejectedError;
      const failure = rejected
        ? { code: error.code, message: error.message, permanent: true }
        : { code: 'processing_error', message: reason(error), permanent: false };
      log.warn(failure, 'image failed');
      await client.fail(item, failure);
      return 'failed';
    }
    await inBatches(result.outputs, 3, (out) => client.putResult(item, out.variant, out.format, out.data));
    const reported = result.outputs.map(({ variant, format, sha256, data, width, height }) => ({
      variant,
      format,
      sha256,
      bytes: data.byteLength,
      width,
      height,
    }));
    const applied = await client.complete(item, reported, result.timings);
    if (!applied) log.warn('completion ignored: the lease passed to another worker');
    return applied ? 'finished' : 'lost';
  } catch (error) {
    log.warn({ err: reason(error) }, 'task abandoned; the master hands it out again after the lease');
    return 'lost';
  }
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
