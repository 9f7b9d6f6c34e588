// trafficcop's routes: thin handlers over the domain in src/ (see trafficcop.ts).
import { createServiceApp, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import { createImageClient, type ImageClient } from './clients/image.js';
import { createVillaClient, type VillaClient } from './clients/villa.js';
import { addLineRoutes } from './routes/lines.js';
import { addStreamRoutes } from './routes/streams.js';
import { createDocsLineStore } from './stores/lines.docs.js';
import { createTrafficcop, type Trafficcop } from './trafficcop.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: Engines;
  /** Replaceable in tests; default: the real services at VILLA_URL / IMAGE_URL. */
  villa?: VillaClient;
  image?: ImageClient;
}

export function createApp({ config, logger, engines, ...clients }: AppDeps): { app: ServiceApp; trafficcop: Trafficcop } {
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
    villa: clients.villa ?? createVillaClient({ baseUrl: config.VILLA_URL, ...downstream }),
    image: clients.image ?? createImageClient({ baseUrl: config.IMAGE_URL, ...downstream }),
    metrics: metrics.registry,
  });
  readiness['rtmp origin'] = async () => {
    if (!trafficcop.origin.listening()) throw new Error('the RTMP/HTTP-FLV listeners are not up');
  };
  addLineRoutes(app, trafficcop);
  addStreamRoutes(app, trafficcop);
  return { app, trafficcop };
}
