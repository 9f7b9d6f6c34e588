// The public path: every /v1/* request not served by apollo itself goes
// route → authenticate → route policy → limits → forward, in that order, and
// anything refused on the way is not forwarded and not counted in the quota.
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError, errorBody, type ServiceApp, type ServiceEnv } from '@bamboo/kit';
import type { Apollo } from '../apollo.js';
import { authenticate } from '../auth/authenticate.js';
import { AuthError, type Principal } from '../auth/principal.js';
import { concurrencyFor, limitFor, quotaFor } from '../clients/client.js';
import type { Subject } from '../limits/limits.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import { READ_METHODS, type Route } from '../routing/route-table.js';
import { remoteAddress } from './remote-address.js';

type Ctx = Context<ServiceEnv>;

export function gatewayRoutes(app: ServiceApp, apollo: Apollo, metrics: GatewayMetrics): void {
  const { config } = apollo;
  app.all(
    '/v1/*',
    bodyLimit({
      maxSize: config.APOLLO_MAX_BODY_BYTES,
      onError: (c) => c.json(errorBody('payload_too_large', `body over ${config.APOLLO_MAX_BODY_BYTES} bytes`), 413),
    }),
    async (c) => {
      const route = apollo.routes.match(c.req.path);
      if (!route) return c.json(errorBody('not_found', `no service at ${c.req.path}`), 404);
      const started = performance.now();
      const log = { client: 'anonymous', auth: 'anonymous', route: route.prefix, upstream: '-', status: 0, bytesIn: 0 };
      c.set('logFields', log); // filled in as the call goes; the kit writes the one request line
      try {
        const response = await pass(c, apollo, metrics, route, log);
        log.status = response.status;
        return response;
      } catch (error) {
        log.status = error instanceof AppError ? error.status : 500;
        if (error instanceof AppError && error.status >= 502) {
          metrics.upstreamErrors.inc({ service: route.service, upstream: log.upstream, kind: error.code });
        }
        throw error;
      } finally {
        const seconds = (performance.now() - started) / 1000;
        metrics.requests.inc({ client: log.client, route: route.prefix, status: String(log.status) });
        metrics.latency.observe({ client: log.client, route: route.prefix }, seconds);
      }
    },
  );
}

interface AccessLog {
  client: string;
  auth: string;
  route: string;
  upstream: string;
  status: number;
  bytesIn: number;
}

async function pass(c: Ctx, apollo: Apollo, metrics: GatewayMetrics, route: Route, log: AccessLog): Promise<Response> {
  const method = c.req.method;
  const refuse = (status: 400 | 401 | 403 | 405 | 429, code: string, message: string, headers: Record<string, string> = {}) => {
    metrics.refused.inc({ client: log.client, route: route.prefix, reason: code });
    return c.json(errorBody(code, message), status, headers);
  };
  if (!route.methods.includes(method as never)) {
    return refuse(405, 'method_not_allowed', `${method} is not allowed on ${route.prefix}`, { Allow: route.methods.join(', ') });
  }

  const url = new URL(c.req.url);
  const raw = method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(await c.req.arrayBuffer());
  const body = raw && raw.byteLength > 0 ? raw : undefined;
  log.bytesIn = body?.byteLength ?? 0;
  if (route.maxBodyBytes !== undefined && log.bytesIn > route.maxBodyBytes) {
    metrics.refused.inc({ client: log.client, route: route.prefix, reason: 'payload_too_large' });
    return c.json(errorBody('payload_too_large', `body over ${route.maxBodyBytes} bytes for ${route.prefix}`), 413);
  }

  let principal: Principal;
  try {
    principal = await authenticate(apollo.auth, { method, path: url.pathname, query: url.search, headers: c.req.raw.headers, body });
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return refuse(error.status, error.code, error.message, { 'WWW-Authenticate': error.challenge });
  }
  log.client = principal.clientId ?? (principal.userId ? `user:${principal.userId}` : 'anonymous');
  log.auth = principal.method;

  const isWrite = !READ_METHODS.has(method);
  const needsClient = route.auth === 'required' || (route.auth === 'writes' && isWrite);
  if (needsClient && principal.method === 'anonymous') {
    const what = route.auth === 'required' ? 'every call' : 'writes';
    return refuse(401, 'unauthorized', `${what} on ${route.prefix} need an access token, a user token or a signed request`, {
      'WWW-Authenticate': 'Bearer realm="bamboo"',
    });
  }
  const missing = isWrite ? route.writeScopes.filter((s) => !principal.scopes.includes(s)) : [];
  if (missing.length > 0) {
    return refuse(403, 'insufficient_scope', `this call needs the scope ${missing.join(' ')}`, {
      'WWW-Authenticate': `Bearer realm="bamboo", error="insufficient_scope", scope="${route.writeScopes.join(' ')}"`,
    });
  }

  const decision = await apollo.limits.admit(await subjectFor(apollo, principal, route, isWrite, c));
  if (!decision.allowed) return refuse(429, decision.code, decision.message, decision.headers);
  try {
    const { response, upstream } = await apollo.proxy.forward(route, {
      method,
      pathWithQuery: url.pathname + url.search,
      headers: c.req.raw.headers,
      body,
      requestId: c.get('requestId'),
      identity: principal,
    });
    log.upstream = upstream;
    for (const [name, value] of Object.entries(decision.headers)) response.headers.set(name, value);
    return response;
  } finally {
    decision.release();
  }
}

/** Whose limits apply: the client's (also for its users' tokens), else the caller's address. */
async function subjectFor(apollo: Apollo, principal: Principal, route: Route, isWrite: boolean, c: Ctx): Promise<Subject> {
  const group = isWrite ? route.writeGroup : route.readGroup;
  const client = principal.clientId ? await apollo.admin.directory.get(principal.clientId) : null;
  if (client) {
    return { key: client._id, group, limit: limitFor(client, group, isWrite), quotaPerDay: quotaFor(client), concurrency: concurrencyFor(client) };
  }
  const { config } = apollo;
  const who = principal.userId ? `user:${principal.userId}` : `anon:${remoteAddress(c)}`;
  return { key: who, group, limit: { limit: config.APOLLO_ANONYMOUS_PER_MINUTE, windowSeconds: 60 }, quotaPerDay: null, concurrency: config.APOLLO_ANONYMOUS_CONCURRENCY };
}
