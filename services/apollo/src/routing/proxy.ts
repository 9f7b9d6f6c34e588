// Forwards a public request to its service over keep-alive pools (one undici
// Pool per upstream instance), round robin across the instances that pass
// their health checks and whose circuit is closed. Identity headers are
// stripped from every inbound request (a caller can never spoof them),
// apollo's own are set, and the call is signed with the internal key.
// Down → 503, timeout → 504, garbage → 502, all in the kit's error shape.
// A connection failure or an open circuit is retried once on another
// instance, for idempotent methods only.
import { Readable } from 'node:stream';
import CircuitBreaker from 'opossum';
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

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host'];
/** Never forwarded: spoofable identity, and the caller's credentials (services get the identity instead). */
const STRIPPED = new Set([...HOP_BY_HOP, ...IDENTITY_HEADERS, 'authorization', ...Object.values(SIGNED_HEADERS)]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const BUFFER_UP_TO = 256 * 1024;

export interface ForwardInput {
  method: string;
  pathWithQuery: string;
  headers: Headers;
  body: Uint8Array | undefined;
  requestId: string;
  /** Who apollo authenticated; sent to the service as identity headers. */
  identity: Principal;
}

export interface BreakerOptions {
  /** Error percentage over the last 10 s that opens the circuit. */
  errorPercent: number;
  /** How long an open circuit waits before a trial call. */
  resetMs: number;
}

type Send = (upstream: string, route: Route, input: ForwardInput) => Promise<Response>;

export class Proxy {
  private readonly pools = new Map<string, Pool>();
  private readonly breakers = new Map<string, CircuitBreaker<Parameters<Send>, Response>>();
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly internalKey: string,
    private readonly breaker: BreakerOptions = { errorPercent: 50, resetMs: 10_000 },
    private readonly health?: HealthChecks,
  ) {}

  /** The service's answer and the instance that gave it. */
  async forward(route: Route, input: ForwardInput): Promise<{ response: Response; upstream: string }> {
    const order = this.candidates(route);
    const tries = IDEMPOTENT.has(input.method) ? 2 : 1;
    for (let attempt = 0; ; attempt++) {
      const upstream = order[attempt % order.length]!;
      try {
        return { response: await this.circuit(upstream).fire(upstream, route, input), upstream };
      } catch (error) {
        const failure = translate(route, error);
        const retryable = failure instanceof ServiceUnavailableError;
        if (!retryable || attempt + 1 >= tries) throw failure;
      }
    }
  }

  /** Circuit state per instance, for the admin view. */
  circuits(): Record<string, 'closed' | 'open' | 'half-open'> {
    return Object.fromEntries([...this.breakers].map(([u, b]) => [u, b.opened ? 'open' : b.halfOpen ? 'half-open' : 'closed']));
  }

  async close(): Promise<void> {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }

  /** Instances in round-robin order, usable ones first; all of them if none is usable. */
  private candidates(route: Route): string[] {
    const start = this.cursor.get(route.prefix) ?? 0;
    this.cursor.set(route.prefix, (start + 1) % route.upstreams.length);
    const rotated = route.upstreams.map((_, i) => route.upstreams[(start + i) % route.upstreams.length]!);
    const usable = rotated.filter((u) => (this.health?.isHealthy(u) ?? true) && !this.breakers.get(u)?.opened);
    return usable.length > 0 ? [...usable, ...rotated.filter((u) => !usable.includes(u))] : rotated;
  }

  private circuit(upstream: string): CircuitBreaker<Parameters<Send>, Response> {
    let breaker = this.breakers.get(upstream);
    if (!breaker) {
      breaker = new CircuitBreaker<Parameters<Send>, Response>((u, route, input) => this.send(u, route, input), {
        timeout: false, // the route's own timeouts apply (504)
        errorThresholdPercentage: this.breaker.errorPercent,
        resetTimeout: this.breaker.resetMs,
        rollingCountTimeout: 10_000,
        rollingCountBuckets: 10,
        volumeThreshold: 5,
      });
      this.breakers.set(upstream, breaker);
    }
    return breaker;
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 128, keepAliveTimeout: 10_000, connectTimeout: 2_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  private async send(upstream: string, route: Route, input: ForwardInput): Promise<Response> {
    const url = new URL(upstream);
    const headers: Record<string, string> = {};
    input.headers.forEach((value, name) => {
      if (!STRIPPED.has(name)) headers[name] = value;
    });
    Object.assign(
      headers,
      identityHeaders(input.identity),
      signatureHeaders(this.internalKey, {
        method: input.method,
        pathWithQuery: input.pathWithQuery,
        body: input.body,
        caller: 'apollo',
        timestampMs: Date.now(),
      }),
      { [REQUEST_ID_HEADER]: input.requestId },
    );
    const answer = await this.pool(url.origin).request({
      method: input.method as 'GET',
      path: input.pathWithQuery,
      headers,
      body: input.body ? Buffer.from(input.body) : null,
      headersTimeout: route.timeoutMs,
      bodyTimeout: route.timeoutMs,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || HOP_BY_HOP.includes(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
    }
    const noBody = input.method === 'HEAD' || [204, 304].includes(answer.statusCode);
    if (noBody) {
      answer.body.resume();
      return new Response(null, { status: answer.statusCode, headers: responseHeaders });
    }
    // Small answers of known length are read whole: far cheaper than a web
    // stream bridged twice (undici → web → node). Large or unsized ones stream.
    const length = Number(answer.headers['content-length'] ?? Number.NaN);
    const body = length <= BUFFER_UP_TO ? await answer.body.arrayBuffer() : (Readable.toWeb(answer.body) as ReadableStream);
    return new Response(body, { status: answer.statusCode, headers: responseHeaders });
  }
}

function translate(route: Route, error: unknown): Error {
  if (error instanceof GatewayTimeoutError || error instanceof BadGatewayError || error instanceof ServiceUnavailableError) return error;
  if ((error as { code?: string }).code === 'EOPENBREAKER') {
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
