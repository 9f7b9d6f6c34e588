// Boot: config → stores (rebuilding the hot indexes if the hot state is
// empty) → app → listen, with the hot-field flusher, the viewer poller and
// the index keeper; graceful shutdown on SIGTERM/SIGINT flushes hot fields
// once more.
import { createLogger, createServiceClient, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { createApp } from './app.js';
import { openVilla } from './villa.js';
import { rebuildIndexIfEmpty, startIndexKeeper } from './hot/rebuild.js';
import { startFlusher } from './hot/flush.js';
import { startViewerPoller } from './hot/viewers.js';

await startup('villa', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('villa', config.LOG_LEVEL);
  const engines = await openEngines(config, 'villa');
  const villa = await openVilla(config, engines);
  const indexed = await rebuildIndexIfEmpty(villa);
  if (indexed > 0) logger.info({ rooms: indexed }, 'rebuilt the hot room indexes from documents');
  const sandglass = createServiceClient({
    target: 'sandglass',
    baseUrl: config.SANDGLASS_URL,
    caller: 'villa',
    internalKey: config.BAMBOO_INTERNAL_KEY,
    timeoutMs: config.VILLA_SANDGLASS_TIMEOUT_MS,
    attempts: 1,
  });
  const stopPoller = startViewerPoller(villa, engines.hot, sandglass, config.VILLA_VIEWERS_POLL_MS, logger);
  const stopKeeper = startIndexKeeper(villa, config.VILLA_INDEX_CHECK_MS, logger);
  const stopFlusher = startFlusher(villa, config.VILLA_FLUSH_INTERVAL_MS, logger);
  const app = createApp({ config, logger, engines, villa });
  await serveService({
    service: 'villa',
    app,
    config,
    logger,
    onShutdown: [async () => (stopPoller(), stopKeeper()), stopFlusher, engines.close],
  });
});
