// Forwards a public request to its service over keep-alive pools (one undici
// Pool per upstream instance), round robin across the instances that pass
// their health checks and whose circuit is closed. Identity headers are
// stripped from every inbound request (a caller can never spoof them),
// apollo's own are set, and the call is signed with the internal key.
// Down → 503, timeout → 504, garbage → 502, all in the kit's error shape.
// A connection failure or an open circuit is retried once on another
// instance, for idempotent methods only.
//
// Answers are raw (status, header list, body bytes or stream), for the
// public path to copy straight onto the node response: no web Request or
// Response on the hot path.
import type { IncomingHttpHeaders } from 'node:http';
import { BrokenCircuitError, CircuitState, SamplingBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { Pool, errors as undiciErrors } from 'undici';
import {
  IDENTITY_HEADERS,
  identityHeaders,
  BadGatewayError,
  GatewayTimeoutError,
  REQUEST_ID_HEADER,
  ServiceUnavailableError,
  signatureHeaders,
} from '@bamboo/kit';
import type { Principal } from '../auth/principal.js';
import { SIGNED_HEADERS } from '../auth/signed/canonical.js';
import type { HealthChecks } from './health.js';
import type { Route } from './route-table.js';
import { callUpstream, type UpstreamAnswer } from './upstream-call.js';

export type { UpstreamAnswer } from './upstream-call.js';

const FORWARDED_FOR = 'x-forwarded-for';
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host'];
/**
 * Never forwarded as the caller sent them: spoofable identity and client
 * address (apollo is the edge and sets its own), the caller's credentials
 * (services get the identity instead), the request id (apollo sends the one
 * it accepted or made), and the length undici sets from the body.
 */
const STRIPPED = new Set([
  ...HOP_BY_HOP,
  ...IDENTITY_HEADERS,
  'authorization',
  'content-length',
  FORWARDED_FOR,
  REQUEST_ID_HEADER,
  ...Object.values(SIGNED_HEADERS),
]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export interface ForwardInput {
  method: string;
  pathWithQuery: string;
  /** The caller's headers as node parsed them; stripped before forwarding. */
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  requestId: string;
  /** Who apollo authenticated; sent to the service as identity headers. */
  identity: Principal;
  /** The caller's address as apollo's socket sees it; sent as X-Forwarded-For (e.g. trafficcop hashes anonymous viewers on it). */
  clientAddress?: string | undefined;
}

/** An instance's circuit: opens on the error rate over 10 s (at least 5 calls), tries one call after resetMs. */
interface Breaker {
  policy: CircuitBreakerPolicy;
  openedAt: number;
}

export interface BreakerOptions {
  /** Error percentage over the last 10 s that opens the circuit. */
  errorPercent: number;
  /** How long an open circuit waits before a trial call. */
  resetMs: number;
}

export class Proxy {
  private readonly pools = new Map<string, Pool>();
  private readonly breakers = new Map<string, Breaker>();
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly internalKey: string,
    private readonly breakerOptions: BreakerOptions = { errorPercent: 50, resetMs: 10_000 },
    private readonly health?: HealthChecks,
  ) {}

  /** The service's answer and the instance that gave it. */
  async forward(route: Route, input: ForwardInput): Promise<{ answer: UpstreamAnswer; upstream: string }> {
    const tries = IDEMPOTENT.has(input.method) ? 2 : 1;
    let upstream = this.pick(route);
    for (let attempt = 1; ; attempt++) {
      const chosen = upstream;
      try {
        return { answer: await this.breaker(chosen).policy.execute(() => this.send(chosen, route, input)), upstream: chosen };
      } catch (error) {
        const failure = translate(route, error);
        const retryable = failure instanceof ServiceUnavailableError;
        if (!retryable || attempt >= tries) throw failure;
        upstream = this.pick(route, chosen);
      }
    }
  }

  /** Circuit state per instance, for the admin view. */
  circuits(): Record<string, 'closed' | 'open' | 'half-open'> {
    const names = { [CircuitState.Closed]: 'closed', [CircuitState.Open]: 'open', [CircuitState.HalfOpen]: 'half-open', [CircuitState.Isolated]: 'open' } as const;
    return Object.fromEntries([...this.breakers].map(([u, b]) => [u, names[b.policy.state]]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }

  /**
   * The next instance in round-robin order that is healthy and callable, else
   * the next one at all; for a retry (`tried` given), another than the one
   * tried when there is another. No arrays per call: this runs per request.
   */
  private pick(route: Route, tried?: string): string {
    const { upstreams } = route;
    if (upstreams.length === 1) return upstreams[0]!;
    let start = this.cursor.get(route.prefix) ?? 0;
    if (tried === undefined) this.cursor.set(route.prefix, (start + 1) % upstreams.length);
    else start = (upstreams.indexOf(tried) + 1) % upstreams.length;
    const now = Date.now();
    let fallback: string | undefined;
    for (let i = 0; i < upstreams.length; i++) {
      const upstream = upstreams[(start + i) % upstreams.length]!;
      if (upstream === tried) continue;
      if ((this.health?.isHealthy(upstream) ?? true) && this.callable(upstream, now)) return upstream;
      fallback ??= upstream;
    }
    return fallback ?? upstreams[start]!;
  }

  /** Whether calls may go to the instance: its circuit is closed, or open long enough for a trial call. */
  private callable(upstream: string, now: number): boolean {
    const breaker = this.breakers.get(upstream);
    if (!breaker) return true;
    const { state } = breaker.policy;
    return state === CircuitState.Closed || (state === CircuitState.Open && now - breaker.openedAt >= this.breakerOptions.resetMs);
  }

  private breaker(upstream: string): Breaker {
    let breaker = this.breakers.get(upstream);
    if (!breaker) {
      const policy = circuitBreaker(handleAll, {
        halfOpenAfter: this.breakerOptions.resetMs,
        // Counts per window only: a breaker that kept every call's latency
        // for its window (opossum does) fed V8's old generation and its
        // major collections, apollo's p99 at half load.
        breaker: new SamplingBreaker({ threshold: this.breakerOptions.errorPercent / 100, duration: 10_000, minimumRps: 0.5 }),
      });
      const opened: Breaker = { policy, openedAt: 0 };
      policy.onBreak(() => (opened.openedAt = Date.now()));
      this.breakers.set(upstream, (breaker = opened));
    }
    return breaker;
  }

  private pool(upstream: string): Pool {
    let pool = this.pools.get(upstream);
    if (!pool) {
      pool = new Pool(new URL(upstream).origin, { connections: 128, keepAliveTimeout: 10_000, connectTimeout: 2_000 });
      this.pools.set(upstream, pool);
    }
    return pool;
  }

  private send(upstream: string, route: Route, input: ForwardInput): Promise<UpstreamAnswer> {
    // One flat [name, value, ...] list, as undici takes it: no header object
    // to build, merge and walk again per request.
    const headers: string[] = [];
    const incoming = input.headers;
    for (const name in incoming) {
      const value = incoming[name];
      if (value === undefined || STRIPPED.has(name)) continue;
      if (typeof value === 'string') headers.push(name, value);
      else for (const each of value) headers.push(name, each);
    }
    pushAll(headers, identityHeaders(input.identity));
    const signature = signatureHeaders(this.internalKey, {
      method: input.method,
      pathWithQuery: input.pathWithQuery,
      body: input.body,
      caller: 'apollo',
      timestampMs: Date.now(),
    });
    pushAll(headers, signature);
    headers.push(REQUEST_ID_HEADER, input.requestId);
    if (input.clientAddress) headers.push(FORWARDED_FOR, input.clientAddress);
    return callUpstream(this.pool(upstream), {
      method: input.method as 'GET',
      path: input.pathWithQuery,
      headers,
      body: input.body ?? null,
    }, route.timeoutMs);
  }
}

function pushAll(list: string[], headers: Record<string, string>): void {
  for (const name in headers) list.push(name, headers[name]!);
}

function translate(route: Route, error: unknown): Error {
  if (error instanceof GatewayTimeoutError || error instanceof BadGatewayError || error instanceof ServiceUnavailableError) return error;
  if (error instanceof BrokenCircuitError) {
    return new ServiceUnavailableError(`${route.service} is failing; its circuit is open`, 'circuit_open');
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new GatewayTimeoutError(`${route.service} did not answer within ${route.timeoutMs} ms`);
  }
  if (error instanceof undiciErrors.HTTPParserError || error instanceof undiciErrors.ResponseContentLengthMismatchError) {
    return new BadGatewayError(`${route.service} answered something that is not valid HTTP`);
  }
  if (error instanceof undiciErrors.SocketError) {
    return new BadGatewayError(`${route.service} closed the connection mid-answer`);
  }
  return new ServiceUnavailableError(`${route.service} is unavailable`, 'upstream_unavailable');
}
