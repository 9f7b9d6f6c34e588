// sandglass's routes: thin handlers over the store and domain functions.
import { createServiceApp, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import type { Clock } from './presence/clock.js';
import type { PresenceStore } from './stores/presence.js';
import type { Records } from './stores/records.js';
import { addInternalRoutes } from './routes/internal.js';
import { addPublicRoutes } from './routes/public.js';
import { schemas } from './routes/schemas.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: Engines;
  clock: Clock;
  store: PresenceStore;
  records: Records;
}

export function createApp({ config, logger, engines, clock, store, records }: AppDeps): ServiceApp {
  const { app } = createServiceApp({
    service: 'sandglass',
    description: 'Online presence: heartbeats, who is online, module counts, online durations.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    readiness: engines.readiness,
  });
  const deps = { config, clock, store, records, schemas: schemas(config) };
  addPublicRoutes(app, deps);
  addInternalRoutes(app, deps);
  return app;
}
