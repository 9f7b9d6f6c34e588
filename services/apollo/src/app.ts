// apollo's routes: its own (health, docs), then every public prefix of the
// route table forwarded to its service.
import { Scalar } from '@scalar/hono-api-reference';
import { bodyLimit } from 'hono/body-limit';
import { createServiceApp, errorBody, type Logger, type ReadinessCheck, type ServiceApp } from '@bamboo/kit';
import type { Config } from './config.js';
import { matchRoute, type Route } from './routing/route-table.js';
import type { Proxy } from './routing/proxy.js';
import { fetchDocument, mergeDocuments, type OpenApiDocument } from './openapi/merge.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  routes: Route[];
  proxy: Proxy;
  readiness?: Record<string, ReadinessCheck>;
}

export function createApp({ config, logger, routes, proxy, readiness }: AppDeps): ServiceApp {
  const { app } = createServiceApp({
    service: 'apollo',
    description: 'Bamboo public API: every service behind one gateway.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    openapiPath: '/openapi/apollo.json',
    identityFromGateway: false,
    ...(readiness ? { readiness } : {}),
  });

  const publicDocument = cachedPublicDocument(app, routes, config.APOLLO_OPENAPI_CACHE_MS);
  app.get('/openapi.json', async (c) => c.json(await publicDocument()));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Bamboo API' }));

  app.all(
    '/v1/*',
    bodyLimit({
      maxSize: config.APOLLO_MAX_BODY_BYTES,
      onError: (c) => c.json(errorBody('payload_too_large', `body over ${config.APOLLO_MAX_BODY_BYTES} bytes`), 413),
    }),
    async (c) => {
      const route = matchRoute(routes, c.req.path);
      if (!route) return c.json(errorBody('not_found', `no service at ${c.req.path}`), 404);
      const url = new URL(c.req.url);
      const hasBody = !['GET', 'HEAD'].includes(c.req.method);
      const body = hasBody ? new Uint8Array(await c.req.arrayBuffer()) : undefined;
      return proxy.forward(route, {
        method: c.req.method,
        pathWithQuery: url.pathname + url.search,
        headers: c.req.raw.headers,
        body: body && body.byteLength > 0 ? body : undefined,
        requestId: c.get('requestId'),
      });
    },
  );
  return app;
}

function cachedPublicDocument(app: ServiceApp, routes: Route[], cacheMs: number) {
  let cached: { at: number; document: OpenApiDocument } | undefined;
  return async (): Promise<OpenApiDocument> => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.document;
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
