// Boot: config → stores → app → listen (HTTP, then the gateways); on
// SIGTERM/SIGINT the gateway drains (clients told to reconnect elsewhere).
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { buildHomer } from './homer.js';

await startup('homer', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('homer', config.LOG_LEVEL);
  const engines = await openEngines(config, 'homer');
  const { app, gateway } = buildHomer(config, logger, engines);
  const http = await serveService({
    service: 'homer',
    app,
    config,
    logger,
    extraListeners: [{ name: 'gateway', close: (timeoutMs) => gateway.close(timeoutMs) }],
    onShutdown: [engines.close],
  });
  const address = await gateway.start(http.server, http.port, config.HOMER_TCP_PORT, config.HOST);
  logger.info(address, 'homer gateway listening');
});
