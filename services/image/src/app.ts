// image's routes: thin handlers over the master (src/master/).
import { createServiceApp, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import { createMaster, type Master } from './master/master.js';
import { createImageMetrics } from './master/metrics.js';
import type { BlobStore } from './stores/blob-store.js';
import type { TaskStore } from './stores/task-store.js';
import { addImageRoutes } from './routes/images.js';
import { addWorkRoutes } from './routes/work.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: Engines;
  tasks: TaskStore;
  blobs: BlobStore;
  /** A controlled clock for tests; default Date.now. */
  now?: () => number;
}

export function createApp({ config, logger, engines, tasks, blobs, now }: AppDeps): { app: ServiceApp; master: Master } {
  const { app, metrics } = createServiceApp({
    service: 'image',
    description: 'Image microservices: upload, master and workers, covers and thumbnails.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    readiness: { ...engines.readiness, [`blobs (${blobs.kind})`]: () => blobs.ping() },
  });
  const master = createMaster({
    tasks,
    blobs,
    metrics: createImageMetrics(metrics.registry, tasks),
    limits: { maxPixels: config.IMAGE_MAX_PIXELS, maxFrames: config.IMAGE_MAX_FRAMES },
    leaseMs: config.IMAGE_LEASE_MS,
    maxAttempts: config.IMAGE_MAX_ATTEMPTS,
    ...(now ? { now } : {}),
  });
  addImageRoutes(app, master, config.IMAGE_MAX_UPLOAD_BYTES);
  addWorkRoutes(app, master, config.IMAGE_MAX_UPLOAD_BYTES);
  return { app, master };
}
