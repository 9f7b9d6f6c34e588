// homer's routes: thin handlers over the domain functions in src/logic.
import { createServiceApp, type HttpMetrics, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { HomerContext } from './routes/context.js';
import { danmakuRoutes } from './routes/danmaku.js';
import { internalRoutes } from './routes/internal.js';

export interface AppDeps extends HomerContext {
  logger: Logger;
  engines: Engines;
}

export function createApp(deps: AppDeps): { app: ServiceApp; metrics: HttpMetrics } {
  const { config, logger, engines } = deps;
  const { app, metrics } = createServiceApp({
    service: 'homer',
    description: 'Danmaku (bullet chat): send over HTTP, receive over TCP and WebSocket.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    readiness: engines.readiness,
  });
  danmakuRoutes(app, deps);
  internalRoutes(app, deps);
  return { app, metrics };
}
