// A JSON POST route answered straight on node's request and response when
// the app serves a socket, for the rare route whose rate makes the Web
// Request/Response adaptor and the middleware chain most of its cost
// (sandglass's single heartbeat). The route is also registered on the Hono
// app as usual, so it is in /openapi.json and app.request() in tests takes
// the ordinary path. On a socket, a well-formed call gets what the app's
// middleware would give it: x-request-id and x-bamboo-service, the identity
// of a signed call, the same schema, the request context, the error shape of
// whatever the handler throws, the http_* metrics and the one log line.
// Anything else (another content type, malformed JSON, a body the schema
// refuses, a bad signature) is handed to the Hono app with the body already
// read, so every refusal still comes from the one place that renders it.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RouteConfig, z } from '@hono/zod-openapi';
import type { Logger } from './logger.js';
import type { HttpMetrics } from './metrics.js';
import type { Context } from 'hono';
import type { ServiceApp, ServiceEnv } from './app.js';
import { ANONYMOUS, signedIdentity, type Identity } from './identity.js';
import { SIGNATURE_HEADER, verifySignature } from './internal-signature.js';
import { REQUEST_ID_HEADER, acceptOrCreateRequestId, requestContextEnabled, runWithRequestId } from './request-context.js';
import { SERVICE_HEADER, errorAnswer, recordRequest } from './request-outcome.js';
import { errorBody } from './errors.js';
import { readRequestBody } from './request-body.js';

/** What a direct handler gets besides its validated body. */
export interface DirectCall {
  identity: Identity;
  requestId: string;
  /** The request's child logger (made on first use). */
  readonly logger: Logger;
}

/** An answer other than a bare 200: a status of the route's and extra headers. */
export class DirectReply {
  constructor(
    readonly body: unknown,
    readonly status: 200 | 201 | 202 = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface DirectJsonRoute<S extends z.ZodType> {
  /** From createRoute(): method post, an exact path (no parameters) under /v1/, a required JSON body. */
  route: RouteConfig;
  /** The body schema, the same object the route declares. */
  schema: S;
  /**
   * Answers 200 with the JSON it returns, or as a DirectReply says; a thrown
   * error is rendered as in the app.
   */
  handler: (input: z.output<S>, call: DirectCall) => Promise<unknown>;
  /**
   * On a socket, bodies larger than this are refused with 413 while being
   * read, so a direct route never buffers more (default 1 MiB).
   */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const TOO_LARGE = 'the request body is too large';

interface AppState {
  service: string;
  logger: Logger;
  metrics: HttpMetrics;
  /** How /v1/* identities are read (null: the app does not read them, as apollo). */
  identity: { key: string; maxSkewMs: number } | null;
  routes: Map<string, DirectJsonRoute<z.ZodType>>;
}

// Keyed by the app's fetch function, which is what listen() is given.
const apps = new WeakMap<object, AppState>();

/** Called by createServiceApp. */
export function trackServiceApp(app: ServiceApp, state: Omit<AppState, 'routes'>): void {
  apps.set(app.fetch, { ...state, routes: new Map() });
}

/** Registers `def` on the app (Hono, OpenAPI) and as a direct route for sockets. */
export function addDirectJsonRoute<S extends z.ZodType>(app: ServiceApp, def: DirectJsonRoute<S>): void {
  const state = apps.get(app.fetch);
  const { method, path } = def.route;
  if (!state) throw new Error('addDirectJsonRoute needs an app from createServiceApp');
  if (method !== 'post' || !path.startsWith('/v1/') || /[{:*?]/.test(path)) {
    throw new Error(`a direct route is a POST to an exact /v1/ path, not ${method} ${path}`);
  }
  app.openapi(def.route, (async (c: Context<ServiceEnv>) => {
    const call = { identity: c.get('identity'), requestId: c.get('requestId'), logger: c.get('logger') };
    const input = (c.req as unknown as { valid(target: 'json'): z.output<S> }).valid('json');
    const result = await def.handler(input, call);
    if (!(result instanceof DirectReply)) return c.json(result as object, 200);
    for (const [name, value] of Object.entries(result.headers)) c.header(name, value);
    return c.json(result.body as object, result.status);
  }) as never);
  state.routes.set(path, def as unknown as DirectJsonRoute<z.ZodType>);
}

/** The listener for a socket: direct routes first, everything else to `hono`; undefined when the app has none. */
export function directListener(fetch: object, hono: RequestListener): RequestListener | undefined {
  const state = apps.get(fetch);
  if (!state || state.routes.size === 0) return undefined;
  return (req, res) => {
    const route = req.method === 'POST' ? state.routes.get(req.url ?? '') : undefined;
    if (route) void serve(state, route, req, res, hono);
    else void hono(req, res);
  };
}

// The request side of @hono/zod-openapi's check for a JSON body.
const JSON_REQUEST = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

async function serve(
  state: AppState,
  route: DirectJsonRoute<z.ZodType>,
  req: IncomingMessage,
  res: ServerResponse,
  hono: RequestListener,
): Promise<void> {
  const started = performance.now();
  const path = route.route.path;
  let body: Buffer | undefined | 'too_large';
  try {
    body = await readRequestBody(req, route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  } catch {
    res.destroy(); // the client went away mid-body
    return;
  }
  if (body === 'too_large') {
    const requestId = acceptOrCreateRequestId(header(req, REQUEST_ID_HEADER));
    const text = JSON.stringify(errorBody('payload_too_large', TOO_LARGE));
    const log = () => state.logger.child({ reqId: requestId });
    return finish(state, res, { path, started, requestId, log, status: 413, text, headers: { connection: 'close' } });
  }
  body ??= EMPTY;
  const accepted = accept(state, route, req, body);
  if (!accepted) {
    // @hono/node-server reads a body it finds here instead of the stream.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    void hono(req, res);
    return;
  }
  const requestId = acceptOrCreateRequestId(header(req, REQUEST_ID_HEADER));
  let logger: Logger | undefined;
  const log = () => (logger ??= state.logger.child({ reqId: requestId }));
  const call: DirectCall = {
    identity: accepted.identity,
    requestId,
    get logger() {
      return log();
    },
  };
  let status = 200;
  let headers: Record<string, string> = {};
  let text: string;
  try {
    const run = () => route.handler(accepted.input, call);
    const result = await (requestContextEnabled() ? runWithRequestId(requestId, run) : run());
    if (result instanceof DirectReply) ({ status, headers } = result);
    text = JSON.stringify(result instanceof DirectReply ? result.body : result);
  } catch (error) {
    const answer = errorAnswer(error, log);
    status = answer.status;
    text = JSON.stringify(answer.body);
  }
  finish(state, res, { path, started, requestId, log, status, text, headers });
}

const EMPTY = Buffer.alloc(0);

interface Answer {
  path: string;
  started: number;
  requestId: string;
  log: () => Logger;
  status: number;
  text: string;
  headers: Record<string, string>;
}

/** Writes a JSON answer with the kit's headers, then counts and logs it as the app's middleware would. */
function finish(state: AppState, res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, {
    ...a.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(a.text),
    [REQUEST_ID_HEADER]: a.requestId,
    [SERVICE_HEADER]: state.service,
  });
  res.end(a.text);
  const seconds = (performance.now() - a.started) / 1000;
  recordRequest(state.metrics, a.log, state.logger, { method: 'POST', route: a.path, path: a.path, status: a.status, seconds });
}

/** The validated body and identity, or undefined when the Hono app should answer. */
function accept(
  state: AppState,
  route: DirectJsonRoute<z.ZodType>,
  req: IncomingMessage,
  body: Buffer,
): { input: unknown; identity: Identity } | undefined {
  const type = header(req, 'content-type');
  if (!type || !JSON_REQUEST.test(type)) return undefined;
  let identity = ANONYMOUS;
  if (state.identity && header(req, SIGNATURE_HEADER)) {
    const verdict = verifySignature(state.identity.key, {
      method: 'POST',
      pathWithQuery: req.url ?? '',
      body: body.byteLength > 0 ? body : undefined,
      headers: { get: (name) => header(req, name) },
      nowMs: Date.now(),
      maxSkewMs: state.identity.maxSkewMs,
    });
    if (!verdict.ok) return undefined;
    identity = signedIdentity(verdict.caller, (name) => header(req, name));
  }
  try {
    const parsed = route.schema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? { input: parsed.data, identity } : undefined;
  } catch {
    return undefined; // malformed JSON (or a schema that must run async)
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
