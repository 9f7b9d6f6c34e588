// apollo's routes: its own (health, docs, OAuth, admin, user tokens) on
// Hono, and the public path forwarding every prefix of the route table to its
// service, served in front of Hono on the same server (edge/front.ts).
import type { RequestListener, Server } from 'node:http';
import { Scalar } from '@scalar/hono-api-reference';
import { createServiceApp, type ReadinessCheck, type ServiceApp } from '@bamboo/kit';
import type { Apollo } from './apollo.js';
import { createGatewayMetrics } from './observe/metrics.js';
import { fetchDocument, mergeDocuments, type OpenApiDocument } from './openapi/merge.js';
import { adminRoutes } from './routes/admin.js';
import { oauthRoutes } from './routes/oauth.js';
import { USER_TOKENS_PATH, userTokenRoutes } from './routes/user-tokens.js';
import { frontPublicPath } from './edge/front.js';
import { publicPath } from './edge/public-path.js';
import type { LiveRoutes } from './routing/live-routes.js';

export interface ApolloApp {
  /** apollo's own routes. */
  app: ServiceApp;
  /** Puts the public path in front of `app` on the server that listens with `app.fetch`. */
  front(server: Server): void;
}

export function createApp(apollo: Apollo, readiness?: Record<string, ReadinessCheck>): ApolloApp {
  const { config, logger } = apollo;
  const { app, metrics } = createServiceApp({
    service: 'apollo',
    description: 'Bamboo public API: every service behind one gateway.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    openapiPath: '/openapi/apollo.json',
    identityFromGateway: false,
    ...(readiness ? { readiness } : {}),
    // Without Redis apollo still serves: per-node limits, user tokens, anonymous reads.
    degradable: {
      isDegradable: (check) => check.startsWith('hot state'),
      message: 'Redis does not answer: limits are per node; access tokens and signed requests get 503',
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  const publicDocument = cachedPublicDocument(app, apollo.routes, config.APOLLO_OPENAPI_CACHE_MS);
  app.get('/openapi.json', async (c) => c.json(await publicDocument()));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Bamboo API' }));

  oauthRoutes(app, apollo);
  adminRoutes(app, apollo);
  userTokenRoutes(app, apollo);
  const forward: RequestListener = publicPath({
    apollo,
    metrics: createGatewayMetrics(metrics.registry, () => apollo.admission.degraded),
    http: metrics,
    logger,
  });
  return { app, front: (server) => frontPublicPath(server, forward, new Set([USER_TOKENS_PATH])) };
}

function cachedPublicDocument(app: ServiceApp, liveRoutes: LiveRoutes, cacheMs: number) {
  let cached: { at: number; document: OpenApiDocument } | undefined;
  return async (): Promise<OpenApiDocument> => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.document;
    const routes = liveRoutes.all();
    const own = app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Bamboo public API', version: '0.1.0', description: 'Every Bamboo service, through apollo.' },
    }) as unknown as OpenApiDocument;
    const services = [...new Set(routes.map((r) => r.service))];
    const documents = await Promise.all(
      services.map(async (service) => {
        const route = routes.find((r) => r.service === service)!;
        return { service, document: await fetchDocument(route.upstreams[0]!, 2_000) };
      }),
    );
    const document = mergeDocuments(own, routes, documents);
    if (documents.every((d) => d.document)) cached = { at: Date.now(), document };
    return document;
  };
}
