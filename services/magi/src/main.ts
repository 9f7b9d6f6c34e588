// Boot: config → stores → app → listen; graceful shutdown on SIGTERM/SIGINT.
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { createApp } from './app.js';

await startup('magi', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('magi', config.LOG_LEVEL);
  const engines = await openEngines(config, 'magi');
  const app = createApp({ config, logger, engines });
  await serveService({ service: 'magi', app, config, logger, onShutdown: [engines.close] });
});
