// Boot: config → stores → background jobs → app → listen; graceful shutdown
// on SIGTERM/SIGINT ends with a last flush of durations and peaks.
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { createApp } from './app.js';
import { systemClock } from './presence/clock.js';
import { startBackground } from './presence/background.js';
import { openPresence } from './stores/open-presence.js';
import { openRecords } from './stores/records.js';

await startup('sandglass', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('sandglass', config.LOG_LEVEL);
  const engines = await openEngines(config, 'sandglass');
  const clock = systemClock;
  const store = openPresence(engines.hot, clock, config);
  const records = await openRecords(engines.docs);
  const background = startBackground({
    store,
    records,
    clock,
    logger,
    batch: config.FLUSH_BATCH,
    countChunk: config.MAX_LOOKUP,
    reapEveryMs: config.REAP_EVERY_MS,
    peaksEveryMs: config.PEAKS_EVERY_MS,
    flushEveryMs: config.FLUSH_EVERY_MS,
  });
  const app = createApp({ config, logger, engines, clock, store, records });
  await serveService({
    service: 'sandglass',
    app,
    config,
    logger,
    onShutdown: [() => background.stop(), engines.close],
  });
});
