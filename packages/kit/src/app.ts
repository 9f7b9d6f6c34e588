// The Hono app every service starts from: request ids, access logs, metrics,
// the internal-signature guard on /internal/*, one JSON error shape, schema
// validation errors as 400, and /healthz, /readyz, /metrics, /openapi.json.
// A service adds its routes to the returned app and nothing else.
import { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from './logger.js';
import { ValidationError, errorBody } from './errors.js';
import { SERVICE_HEADER, errorAnswer, recordRequest } from './request-outcome.js';
import { trackServiceApp } from './direct-route.js';
import { createHttpMetrics, type HttpMetrics } from './metrics.js';
import { REQUEST_ID_HEADER, acceptOrCreateRequestId, requestContextEnabled, runWithRequestId } from './request-context.js';
import { verifyRequestSignature } from './verify-request.js';
import { readIdentity, type Identity } from './identity.js';

export type ServiceEnv = {
  Variables: {
    logger: Logger;
    requestId: string;
    /** The calling service, set on signed /internal/* requests. */
    caller: string;
    /** Who calls a public route (see identity.ts); anonymous when unsigned. */
    identity: Identity;
    /** Extra fields for this request's one log line (e.g. apollo's client and upstream). */
    logFields: Record<string, unknown>;
  };
};

export type ServiceApp = OpenAPIHono<ServiceEnv>;

/** A readiness check resolves when its store answers and throws otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface ServiceAppOptions {
  service: string;
  version?: string;
  /** One line for the OpenAPI document. */
  description?: string;
  logger: Logger;
  internalKey: string;
  maxSkewMs?: number;
  readiness?: Record<string, ReadinessCheck>;
  /** How long one readiness check may take before it counts as down. */
  readinessTimeoutMs?: number;
  /**
   * Checks the service can work without, in a reduced way: when only these
   * fail, /readyz answers 200 `{status: "degraded", checks, message}`.
   */
  degradable?: { isDegradable(check: string): boolean; message: string };
  /** Trust identity headers on signed /v1/* requests (false only for apollo itself). */
  identityFromGateway?: boolean;
  /** Where the service's own OpenAPI document is served; default /openapi.json. */
  openapiPath?: string;
}

export { SERVICE_HEADER };

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'body.title: Too small: expected string to have >=1 characters' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export function createServiceApp(options: ServiceAppOptions): { app: ServiceApp; metrics: HttpMetrics } {
  const metrics = createHttpMetrics(options.service);
  const app = new OpenAPIHono<ServiceEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.target, result.error.issues);
    },
  });

  app.use('*', requestScope(options));
  app.use('*', observe(metrics));
  app.use('/internal/*', requireInternalSignature(options.internalKey, options.maxSkewMs ?? 30_000));
  if (options.identityFromGateway !== false) {
    app.use('/v1/*', readIdentity(options.internalKey, options.maxSkewMs ?? 30_000));
  }
  app.onError((error, c) => renderError(error, c));
  trackServiceApp(app, {
    service: options.service,
    logger: options.logger,
    metrics,
    identity: options.identityFromGateway !== false ? { key: options.internalKey, maxSkewMs: options.maxSkewMs ?? 30_000 } : null,
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

  addHealthRoutes(app, options, metrics);
  app.doc31(options.openapiPath ?? '/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: `bamboo ${options.service}`,
      version: options.version ?? '0.1.0',
      ...(options.description ? { description: options.description } : {}),
    },
  });
  return { app, metrics };
}

type Issue = { path: PropertyKey[]; message: string };

export function validationError(target: string, issues: readonly Issue[]): ValidationError {
  const problems = issues.map((issue) => {
    const field = [target, ...issue.path.map(String)].join('.');
    return { field, message: issue.message };
  });
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new ValidationError(message || `${target} is invalid`, problems);
}

function requestScope(options: ServiceAppOptions): MiddlewareHandler<ServiceEnv> {
  return async (c, next) => {
    const requestId = acceptOrCreateRequestId(c.req.header(REQUEST_ID_HEADER));
    c.set('requestId', requestId);
    c.set('logger', options.logger.child({ reqId: requestId }));
    // On a socket, the two headers go on node's response before the handler
    // runs: headers a handler's Response carries (a relayed answer) take
    // precedence when node merges them. Setting them on the finished Response
    // instead would turn the adaptor's plain response into a web stream,
    // which cost more than the rest of the kit's work per request.
    const outgoing = nodeResponse(c);
    outgoing?.setHeader(REQUEST_ID_HEADER, requestId);
    outgoing?.setHeader(SERVICE_HEADER, options.service);
    await (requestContextEnabled() ? runWithRequestId(requestId, next) : next());
    if (outgoing) return;
    c.header(REQUEST_ID_HEADER, requestId);
    // A response relayed from another service keeps that service's name.
    if (!c.res.headers.has(SERVICE_HEADER)) c.header(SERVICE_HEADER, options.service);
  };
}

/** Node's response when the app serves a socket (not app.request() in tests). */
function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

/** The route pattern that handled the request (not middleware), for labels. */
function routeLabel(c: Context): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return handlers.at(-1)?.path ?? 'unmatched';
}

function observe(metrics: HttpMetrics): MiddlewareHandler<ServiceEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const log = c.get('logger');
    recordRequest(metrics, () => log, log, {
      method: c.req.method,
      route: routeLabel(c),
      path: c.req.path,
      status: c.res.status,
      seconds: (performance.now() - started) / 1000,
      logFields: c.get('logFields'),
    });
  };
}

function requireInternalSignature(key: string, maxSkewMs: number): MiddlewareHandler<ServiceEnv> {
  return async (c, next) => {
    const verdict = await verifyRequestSignature(c, key, maxSkewMs);
    if (!verdict.ok) {
      c.header('WWW-Authenticate', 'BambooInternal');
      return c.json(errorBody('invalid_signature', verdict.reason), 401);
    }
    c.set('caller', verdict.caller);
    c.set('identity', { method: 'internal', scopes: [], caller: verdict.caller });
    await next();
  };
}

function renderError(error: Error, c: Context<ServiceEnv>): Response {
  const { status, body } = errorAnswer(error, () => c.get('logger'));
  return c.json(body, status as 400);
}

function addHealthRoutes(app: ServiceApp, options: ServiceAppOptions, metrics: HttpMetrics): void {
  const checks = options.readiness ?? {};
  const timeoutMs = options.readinessTimeoutMs ?? 2_000;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['health'],
      summary: 'Liveness: the process is up',
      responses: {
        200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
      },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  const CheckResults = z.record(z.string(), z.string());
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['health'],
      summary: 'Readiness: 200 only when every store of the service answers',
      responses: {
        200: {
          description: 'ready, or degraded when only a check the service can do without fails',
          content: {
            'application/json': {
              schema: z.object({
                status: z.enum(['ready', 'degraded']),
                checks: CheckResults,
                message: z.string().optional(),
              }),
            },
          },
        },
        503: { description: 'a store does not answer', content: { 'application/json': { schema: ErrorSchema } } },
      },
    }),
    async (c) => {
      const results = await runChecks(checks, timeoutMs);
      const failed = Object.entries(results).filter(([, r]) => r !== 'ok');
      if (failed.length === 0) return c.json({ status: 'ready' as const, checks: results }, 200);
      const { degradable } = options;
      if (degradable && failed.every(([name]) => degradable.isDegradable(name))) {
        return c.json({ status: 'degraded' as const, checks: results, message: degradable.message }, 200);
      }
      const message = failed.map(([name, r]) => `${name}: ${r}`).join('; ');
      return c.json(errorBody('not_ready', message, results), 503);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['health'],
      summary: 'Prometheus metrics (text exposition format)',
      responses: { 200: { description: 'metrics', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => {
      const text = await metrics.registry.metrics();
      return c.text(text, 200, { 'content-type': metrics.registry.contentType });
    },
  );
}

async function runChecks(checks: Record<string, ReadinessCheck>, timeoutMs: number): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
