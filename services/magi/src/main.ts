// Boot: config → stores → magi (bank restored, flusher and broadcaster running)
// → app → listen; graceful shutdown on SIGTERM/SIGINT flushes the journal.
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { createApp } from './app.js';
import { openMagi } from './magi.js';

await startup('magi', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('magi', config.LOG_LEVEL);
  const engines = await openEngines(config, 'magi');
  const magi = await openMagi({ config, logger, engines });
  const app = createApp({ config, logger, engines, magi });
  await serveService({ service: 'magi', app, config, logger, onShutdown: [magi.close, engines.close] });
});
