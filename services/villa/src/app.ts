// villa's routes: thin handlers over the domain functions in src/rooms and src/roles.
import { createServiceApp, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import type { Villa } from './rooms/deps.js';
import { categoryRoutes } from './routes/categories.js';
import { internalRoutes } from './routes/internal.js';
import { roleRoutes } from './routes/roles.js';
import { roomRoutes } from './routes/rooms.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: Engines;
  villa: Villa;
}

export function createApp({ config, logger, engines, villa }: AppDeps): ServiceApp {
  const { app } = createServiceApp({
    service: 'villa',
    description: 'Rooms: categories, rooms, roles, stream keys, live status, hot fields, room lists.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    readiness: engines.readiness,
  });
  internalRoutes(app, villa);
  categoryRoutes(app, villa);
  roomRoutes(app, villa, config);
  roleRoutes(app, villa);
  return app;
}
