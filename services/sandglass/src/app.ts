// sandglass's routes: thin handlers over the domain functions in src/.
import { createServiceApp, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: Engines;
}

export function createApp({ config, logger, engines }: AppDeps): ServiceApp {
  const { app } = createServiceApp({
    service: 'sandglass',
    description: 'Online presence: heartbeats, who is online, module counts, online durations.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    readiness: engines.readiness,
  });
  return app;
}
