// Boot: config → stores → app → listen → worker processes; graceful shutdown
// on SIGTERM/SIGINT stops the workers, then HTTP, then closes the stores.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { createApp } from './app.js';
import { openBlobStore } from './stores/open-blob-store.js';
import { createDocsTaskStore } from './stores/task-store.docs.js';
import { superviseWorkers } from './worker/supervisor.js';

await startup('image', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('image', config.LOG_LEVEL);
  const engines = await openEngines(config, 'image');
  const blobs = await openBlobStore(config);
  const tasks = createDocsTaskStore(engines.docs);
  await tasks.init();
  const { app, master } = createApp({ config, logger, engines, tasks, blobs });

  const workers: { stop(timeoutMs: number): Promise<void> }[] = [];
  const http = await serveService({
    service: 'image',
    app,
    config,
    logger,
    extraListeners: [
      {
        name: 'workers',
        close: async (ms) => {
          master.stopWaiting();
          await Promise.all(workers.map((w) => w.stop(ms)));
        },
      },
    ],
    onShutdown: [() => blobs.close(), engines.close],
  });
  if (config.IMAGE_WORKERS > 0) {
    const host = ['0.0.0.0', '::'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
    workers.push(
      superviseWorkers({
        count: config.IMAGE_WORKERS,
        // dist/worker/main.js when built; src/worker/main.ts when run from source (e.g. under tsx).
        entry: fileURLToPath(new URL(`./worker/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url)),
        env: { ...process.env, IMAGE_URL: `http://${host.includes(':') ? `[${host}]` : host}:${http.port}` },
        logger,
      }),
    );
    logger.info({ workers: config.IMAGE_WORKERS }, 'worker processes started');
  }
});
