// A worker process: asks the master at IMAGE_URL for tasks until SIGTERM.
// The image service's main.ts starts IMAGE_WORKERS of these; more can run on
// any machine that reaches the master:
//   BAMBOO_INTERNAL_KEY=… IMAGE_URL=http://master:8086 node dist/worker/main.js
import { availableParallelism, hostname } from 'node:os';
import sharp from 'sharp';
import { createLogger, loadConfig, startup } from '@bamboo/kit';
import { workerConfigShape } from '../config.js';
import { createMasterClient } from './master-client.js';
import { runWorker } from './worker.js';

await startup('image-worker', async () => {
  const config = loadConfig(workerConfigShape);
  const id = config.IMAGE_WORKER_ID ?? `${hostname()}-${process.pid}`;
  const logger = createLogger('image-worker', config.LOG_LEVEL).child({ worker: id });
  // Each input is decoded once, so libvips' operation cache only costs memory.
  sharp.cache(false);
  const threads = config.IMAGE_SHARP_CONCURRENCY || Math.max(1, Math.floor(availableParallelism() / Math.max(1, config.IMAGE_WORKERS)));
  sharp.concurrency(threads);

  // A stop finishes the task in hand; an idle worker (waiting in a long poll) leaves at once.
  const stop = new AbortController();
  let busy = false;
  const onStop = () => {
    stop.abort();
    if (!busy) process.exit(0);
  };
  process.once('SIGTERM', onStop);
  process.once('SIGINT', onStop);
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
  process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));

  logger.info({ master: config.IMAGE_URL, threads }, 'worker started');
  await runWorker({
    id,
    client: createMasterClient({ baseUrl: config.IMAGE_URL, internalKey: config.BAMBOO_INTERNAL_KEY }),
    limits: { maxPixels: config.IMAGE_MAX_PIXELS, maxFrames: config.IMAGE_MAX_FRAMES },
    waitMs: config.IMAGE_WORKER_WAIT_MS,
    pollMs: config.IMAGE_WORKER_POLL_MS,
    logger,
    signal: stop.signal,
    onBusy: (now) => {
      busy = now;
    },
  });
  logger.info('worker stopped');
  process.exit(0);
});
