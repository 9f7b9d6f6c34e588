// The public path: every /v1/* request not served by apollo itself, on a bare
// node:http handler in front of Hono. Bridging each request and answer
// through web Request/Response objects cost apollo most of its time, so the
// hot path reads node's request and writes node's response directly.
//
// route → authenticate → route policy → limits → forward, in that order;
// anything refused on the way is not forwarded and not counted in the quota.
// Every answer keeps the kit's contract: x-request-id, x-bamboo-service, the
// JSON error shape, the http_* metrics and the one request log line.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, REQUEST_ID_HEADER, errorAnswer, recordRequest, SERVICE_HEADER, acceptOrCreateRequestId, errorBody, readRequestBody, type HttpMetrics, type Logger } from '@bamboo/kit';
import type { Apollo } from '../apollo.js';
import { authenticate } from '../auth/authenticate.js';
import { AuthError, bearerChallenge, type Principal } from '../auth/principal.js';
import type { HeaderReader } from '../auth/signed/verify.js';
import { concurrencyFor, limitFor, quotaFor } from '../clients/client.js';
import type { Subject } from '../limits/limits.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import { READ_METHODS, type Route } from '../routing/route-table.js';

/** The kit's route label of these requests in http_* metrics. */
const ROUTE_LABEL = '/v1/*';

/** Header names and values, flat, as node's writeHead takes them. */
type Headers = string[];

/** The fields apollo adds to the request's log line; never tokens or secrets. */
interface AccessLog {
  client: string;
  auth: string;
  route: string;
  upstream: string;
  status: number;
  bytesIn: number;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The path, dot segments resolved, and the query string (`?…` or empty); URL's getters build a new string at each read. */
  path: string;
  query: string;
  requestId: string;
  route?: Route;
  log?: AccessLog;
}

export interface PublicPathDeps {
  apollo: Apollo;
  metrics: GatewayMetrics;
  /** The kit's http_* metrics of the app, so /v1 traffic is counted as before. */
  http: HttpMetrics;
  logger: Logger;
}

export function publicPath(deps: PublicPathDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const path = new PublicPath(deps);
  return (req, res) => void path.serve(req, res);
}

class PublicPath {
  constructor(private readonly deps: PublicPathDeps) {}

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const incomingId = req.headers[REQUEST_ID_HEADER];
    // Parsed, so dot segments are resolved before the route is matched.
    const url = new URL(req.url ?? '/', 'http://apollo');
    const ex: Exchange = {
      req,
      res,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      requestId: acceptOrCreateRequestId(typeof incomingId === 'string' ? incomingId : undefined),
    };
    try {
      await this.pass(ex);
    } catch (error) {
      this.fail(ex, error);
    }
    this.observe(ex, started);
  }

  private async pass(ex: Exchange): Promise<void> {
    const { apollo } = this.deps;
    const { config } = apollo;
    const { method, path } = ex;
    const route = apollo.routes.match(path);
    if (!route) return this.json(ex, 404, errorBody('not_found', `no service at ${path}`));
    const log: AccessLog = { client: 'anonymous', auth: 'anonymous', route: route.prefix, upstream: '-', status: 0, bytesIn: 0 };
    ex.route = route;
    ex.log = log;
    if (!route.methods.includes(method as never)) {
      return this.refuse(ex, 405, 'method_not_allowed', `${method} is not allowed on ${route.prefix}`, { allow: route.methods.join(', ') });
    }

    let body: Buffer | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      const ownLimit = route.maxBodyBytes !== undefined && route.maxBodyBytes < config.APOLLO_MAX_BODY_BYTES;
      const maxBytes = ownLimit ? route.maxBodyBytes! : config.APOLLO_MAX_BODY_BYTES;
      const read = await readRequestBody(ex.req, maxBytes);
      if (read === 'too_large') return this.refuse(ex, 413, 'payload_too_large', `body over ${maxBytes} bytes${ownLimit ? ` for ${route.prefix}` : ''}`);
      body = read;
    }
    log.bytesIn = body?.byteLength ?? 0;

    let principal: Principal;
    try {
      // A cached access token's liveness is checked with the limits below.
      principal = await authenticate(apollo.auth, { method, path, query: ex.query, headers: headerReader(ex.req), body }, true);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return this.refuse(ex, error.status, error.code, error.message, { 'www-authenticate': error.challenge });
    }
    log.client = principal.clientId ?? (principal.userId ? `user:${principal.userId}` : 'anonymous');
    log.auth = principal.method;

    const isWrite = !READ_METHODS.has(method);
    const needsClient = route.auth === 'required' || (route.auth === 'writes' && isWrite);
    if (needsClient && principal.method === 'anonymous') {
      const what = route.auth === 'required' ? 'every call' : 'writes';
      return this.refuse(ex, 401, 'unauthorized', `${what} on ${route.prefix} need an access token, a user token or a signed request`, {
        'www-authenticate': 'Bearer realm="bamboo"',
      });
    }
    if (isWrite && route.writeScopes.some((s) => !principal.scopes.includes(s))) {
      const missing = route.writeScopes.filter((s) => !principal.scopes.includes(s));
      return this.refuse(ex, 403, 'insufficient_scope', `this call needs the scope ${missing.join(' ')}`, {
        'www-authenticate': `Bearer realm="bamboo", error="insufficient_scope", scope="${route.writeScopes.join(' ')}"`,
      });
    }

    const decision = await apollo.limits.admit(await this.subjectFor(ex, principal, route, isWrite));
    if (!decision.allowed && decision.code === 'token_revoked') {
      return this.refuse(ex, 401, 'invalid_token', decision.message, { 'www-authenticate': bearerChallenge('invalid_token', decision.message) });
    }
    if (!decision.allowed) return this.refuse(ex, 429, decision.code, decision.message, decision.headers);
    try {
      const { answer, upstream } = await apollo.proxy.forward(route, {
        method,
        pathWithQuery: ex.query ? path + ex.query : path,
        headers: ex.req.headers,
        body,
        requestId: ex.requestId,
        identity: principal,
        clientAddress: ex.req.socket.remoteAddress,
      });
      log.upstream = upstream;
      const { headers } = answer;
      for (const name in decision.headers) setHeader(headers, name, decision.headers[name]!);
      await this.send(ex, answer.status, headers, answer.body);
    } finally {
      decision.release();
    }
  }

  /** A refusal before forwarding: counted per client and reason, answered in the kit's error shape. */
  private refuse(ex: Exchange, status: 400 | 401 | 403 | 405 | 413 | 429, code: string, message: string, headers?: Record<string, string>): void {
    this.deps.metrics.refused.inc({ client: ex.log!.client, route: ex.route!.prefix, reason: code });
    this.json(ex, status, errorBody(code, message), headers);
  }

  /** Whose limits apply: the client's (also for its users' tokens), else the caller's address. */
  private async subjectFor(ex: Exchange, principal: Principal, route: Route, isWrite: boolean): Promise<Subject> {
    const { apollo } = this.deps;
    const group = isWrite ? route.writeGroup : route.readGroup;
    const { directory } = apollo.admin;
    const client = principal.clientId ? (directory.cached(principal.clientId) ?? (await directory.get(principal.clientId))) : null;
    if (client) {
      const subject: Subject = { key: client._id, group, limit: limitFor(client, group, isWrite), quotaPerDay: quotaFor(client), concurrency: concurrencyFor(client) };
      if (principal.liveKey) subject.liveKey = principal.liveKey;
      return subject;
    }
    const { config } = apollo;
    const who = principal.userId ? `user:${principal.userId}` : `anon:${ex.req.socket.remoteAddress ?? 'unknown'}`;
    return { key: who, group, limit: { limit: config.APOLLO_ANONYMOUS_PER_MINUTE, windowSeconds: 60 }, quotaPerDay: null, concurrency: config.APOLLO_ANONYMOUS_CONCURRENCY };
  }

  /** Writes an answer with the kit's headers; a small body in one write, a large one streamed. */
  private async send(ex: Exchange, status: number, headers: Headers, body: Buffer | string | Readable | null): Promise<void> {
    setHeader(headers, REQUEST_ID_HEADER, ex.requestId);
    // A service's answer keeps the name of the service that gave it.
    if (indexOfHeader(headers, SERVICE_HEADER) < 0) headers.push(SERVICE_HEADER, 'apollo');
    ex.res.writeHead(status, headers);
    if (body === null || typeof body === 'string' || Buffer.isBuffer(body)) ex.res.end(body ?? undefined);
    else await pipeline(body, ex.res);
  }

  /** `headers`: lower-case names. */
  private json(ex: Exchange, status: number, payload: unknown, headers?: Record<string, string>): void {
    const text = JSON.stringify(payload);
    const all: Headers = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(text))];
    for (const name in headers) all.push(name, headers[name]!);
    void this.send(ex, status, all, text);
  }

  /** An error on the way: the kit's error shape (AppError), or a logged 500; the process carries on. */
  private fail(ex: Exchange, error: unknown): void {
    const { logger, metrics } = this.deps;
    if (ex.res.headersSent) {
      // A streamed answer broke off (the service or the caller went away): nothing to answer.
      logger.warn({ err: error, reqId: ex.requestId }, 'answer cut off');
      ex.res.destroy();
      return;
    }
    if (error instanceof AppError && error.status >= 502 && ex.route) {
      metrics.upstreamErrors.inc({ service: ex.route.service, upstream: ex.log?.upstream ?? '-', kind: error.code });
    }
    const answer = errorAnswer(error, () => logger.child({ reqId: ex.requestId }));
    this.json(ex, answer.status, answer.body);
  }

  /** Metrics (the kit's and apollo's per client) and the one request log line. */
  private observe(ex: Exchange, started: number): void {
    const { http, metrics, logger } = this.deps;
    const seconds = (performance.now() - started) / 1000;
    const status = ex.res.statusCode;
    if (ex.log) {
      ex.log.status = status;
      const { client, route } = ex.log;
      // Literals, not a spread of one into the other: V8 promotes the
      // spread's copies to the old generation, and the major collections
      // they bring were the public path's p99 at half load.
      metrics.requests.inc({ client, route, status: String(status) });
      metrics.latency.observe({ client, route }, seconds);
    }
    const log = () => logger.child({ reqId: ex.requestId });
    recordRequest(http, log, logger, { method: ex.method, route: ROUTE_LABEL, path: ex.path, status, seconds, logFields: ex.log });
  }
}

/** Node's parsed headers read like web Headers (repeated ones joined, as fetch would). */
function headerReader(req: IncomingMessage): HeaderReader {
  return {
    get(name) {
      const value = req.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

function indexOfHeader(headers: Headers, name: string): number {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return i;
  return -1;
}

/** Sets `name` (lower case) to `value`, replacing what the service sent. */
function setHeader(headers: Headers, name: string, value: string): void {
  const at = indexOfHeader(headers, name);
  if (at < 0) headers.push(name, value);
  else headers[at + 1] = value;
}
