// Boot: config → engines → apollo (stores, domain, seed) → app → listen;
// graceful shutdown.
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { assemble } from './apollo.js';
import { createApp } from './app.js';

await startup('apollo', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('apollo', config.LOG_LEVEL);
  const engines = await openEngines(config, 'apollo');
  const apollo = assemble(config, engines, logger);
  await apollo.start();
  const { app, front } = createApp(apollo, engines.readiness);
  const http = await serveService({ service: 'apollo', app, config, logger, onShutdown: [() => apollo.stop(), engines.close] });
  // In the same tick as listening: no request reaches the server before.
  front(http.server);
});
