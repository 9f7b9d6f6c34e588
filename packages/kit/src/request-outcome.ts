// How the outcome of a request is answered and recorded, shared by the
// service app's middleware and the direct routes (direct-route.ts): the JSON
// error shape of a thrown error, the http_* metrics and the one log line.
import { HTTPException } from 'hono/http-exception';
import type { Logger } from './logger.js';
import { AppError, errorBody, type ErrorBody } from './errors.js';
import type { HttpMetrics } from './metrics.js';

export const SERVICE_HEADER = 'x-bamboo-service';

/** Polled by launchers and orchestrators; logged at debug so they don't drown the log. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The status and body a thrown error is answered with; `log` is asked only when something is logged. */
export function errorAnswer(error: unknown, log: () => Logger | undefined): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    if (error.status >= 500) log()?.warn({ err: error }, error.message);
    return { status: error.status, body: errorBody(error.code, error.message, error.details) };
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const code = status === 400 ? 'invalid_request' : status === 413 ? 'payload_too_large' : `http_${status}`;
    return { status, body: errorBody(code, error.message || 'request refused') };
  }
  // The panic filter: anything unexpected is logged with its stack and becomes
  // a 500; the process and the next request carry on.
  (log() ?? console).error({ err: error }, 'unhandled error');
  return { status: 500, body: errorBody('internal_error', 'internal server error') };
}

export interface RequestRecord {
  method: string;
  /** The route pattern (never the raw path, which would explode label cardinality). */
  route: string;
  path: string;
  status: number;
  seconds: number;
  logFields?: object | undefined;
}

/**
 * Counts the request and writes its one log line. `level` is the request's
 * logger level check; the logger itself is asked for only when the line is
 * written (LOG_LEVEL=warn skips building it).
 */
export function recordRequest(metrics: HttpMetrics, log: () => Logger, enabled: Logger, r: RequestRecord): void {
  const labels = { method: r.method, route: r.route, status: String(r.status) };
  metrics.requests.inc(labels);
  metrics.duration.observe(labels, r.seconds);
  const level = r.status >= 500 ? 'error' : PROBE_PATHS.has(r.path) ? 'debug' : 'info';
  if (!enabled.isLevelEnabled(level)) return;
  const line = { ...r.logFields, method: r.method, path: r.path, status: r.status, ms: Math.round(r.seconds * 1000) };
  log()[level](line, level === 'error' ? 'request failed' : level === 'debug' ? 'probe' : 'request');
}
