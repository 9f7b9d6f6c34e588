// trafficcop's routes: thin handlers over the domain in src/ (see trafficcop.ts).
import { createServiceApp, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import { createHomerClient, type HomerClient } from './clients/homer.js';
import { createImageClient, type ImageClient } from './clients/image.js';
import { createVillaClient, type VillaClient } from './clients/villa.js';
import { addLineRoutes } from './routes/lines.js';
import { addOpsRoutes } from './routes/ops.js';
import { addPlayRoutes } from './routes/play.js';
import { addStreamRoutes } from './routes/streams.js';
import { createDocsLineStore } from './stores/lines.docs.js';
import { createDocsAuditLog, createDocsPinStore } from './stores/ops.docs.js';
import { createTrafficcop, type Trafficcop } from './trafficcop.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: Engines;
  /** Replaceable in tests; default: the real services at VILLA_URL / IMAGE_URL / HOMER_URL. */
  villa?: VillaClient;
  image?: ImageClient;
  homer?: HomerClient;
  /** The clock of scheduling and health; default Date.now. */
  now?: () => number;
}

export function createApp({ config, logger, engines, now, ...clients }: AppDeps): { app: ServiceApp; trafficcop: Trafficcop } {
  // Read at request time, so the origin's check can join once the origin exists.
  const readiness = { ...engines.readiness };
  const { app, metrics } = createServiceApp({
    service: 'trafficcop',
    description: 'CDN scheduling: RTMP origin, CDN push lines, per-viewer pull lines, switchover.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    readiness,
  });
  const downstream = { internalKey: config.BAMBOO_INTERNAL_KEY, timeoutMs: config.DOWNSTREAM_TIMEOUT_MS };
  const trafficcop = createTrafficcop({
    config,
    logger,
    lines: createDocsLineStore(engines.docs),
    pins: createDocsPinStore(engines.docs),
    audit: createDocsAuditLog(engines.docs),
    homer: clients.homer ?? createHomerClient({ baseUrl: config.HOMER_URL, ...downstream }),
    ...(now ? { now } : {}),
    villa: clients.villa ?? createVillaClient({ baseUrl: config.VILLA_URL, ...downstream }),
    image: clients.image ?? createImageClient({ baseUrl: config.IMAGE_URL, ...downstream }),
    metrics: metrics.registry,
  });
  readiness['rtmp origin'] = async () => {
    if (!trafficcop.origin.listening()) throw new Error('the RTMP/HTTP-FLV listeners are not up');
  };
  addLineRoutes(app, trafficcop);
  addStreamRoutes(app, trafficcop);
  addPlayRoutes(app, trafficcop);
  addOpsRoutes(app, trafficcop);
  return { app, trafficcop };
}
