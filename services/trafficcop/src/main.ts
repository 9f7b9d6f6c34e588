// Boot: config → stores → origin → app → listen; graceful shutdown on SIGTERM/SIGINT.
import { createLogger, loadConfig, serveService, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { createApp } from './app.js';

await startup('trafficcop', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('trafficcop', config.LOG_LEVEL);
  const engines = await openEngines(config, 'trafficcop');
  const { app, trafficcop } = createApp({ config, logger, engines });
  await trafficcop.start();
  await serveService({
    service: 'trafficcop',
    app,
    config,
    logger,
    extraListeners: [{ name: 'rtmp origin', close: () => trafficcop.stop() }],
    onShutdown: [engines.close],
  });
});
