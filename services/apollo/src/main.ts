// Boot: config → stores → route table → app → listen; graceful shutdown.
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { createApp } from './app.js';
import { loadRoutes } from './routing/route-table.js';
import { Proxy } from './routing/proxy.js';

await startup('apollo', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('apollo', config.LOG_LEVEL);
  const routes = loadRoutes(config.APOLLO_ROUTES_FILE, config);
  const engines = await openEngines(config, 'apollo');
  const proxy = new Proxy(config.BAMBOO_INTERNAL_KEY);
  const app = createApp({ config, logger, routes, proxy, readiness: engines.readiness });
  await serveService({ service: 'apollo', app, config, logger, onShutdown: [() => proxy.close(), engines.close] });
});
