// Forwards a public request to its service over keep-alive pools (one undici
// Pool per upstream), round robin across instances. Identity headers are
// stripped from every inbound request so a caller can never spoof them, and
// the forwarded request is signed with the internal key. Down → 503,
// timeout → 504, garbage → 502, all in the kit's error shape.
import { Readable } from 'node:stream';
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
import type { Route } from './route-table.js';

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host'];
/** Never forwarded: spoofable identity, and the caller's credentials (services get the identity instead). */
const STRIPPED = new Set([...HOP_BY_HOP, ...IDENTITY_HEADERS, 'authorization', ...Object.values(SIGNED_HEADERS)]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export interface ForwardInput {
  method: string;
  pathWithQuery: string;
  headers: Headers;
  body: Uint8Array | undefined;
  requestId: string;
  /** Who apollo authenticated; sent to the service as identity headers. */
  identity: Principal;
}

export class Proxy {
  private readonly pools = new Map<string, Pool>();
  private readonly cursor = new Map<string, number>();

  constructor(private readonly internalKey: string) {}

  /** The service's answer and the instance that gave it. */
  async forward(route: Route, input: ForwardInput): Promise<{ response: Response; upstream: string }> {
    const first = this.nextIndex(route);
    const tries = IDEMPOTENT.has(input.method) ? Math.min(2, route.upstreams.length + 1) : 1;
    for (let attempt = 0; ; attempt++) {
      const upstream = route.upstreams[(first + attempt) % route.upstreams.length]!;
      try {
        return { response: await this.send(upstream, route, input), upstream };
      } catch (error) {
        const connectionFailed = error instanceof ServiceUnavailableError;
        if (!connectionFailed || attempt + 1 >= tries) throw error;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }

  private nextIndex(route: Route): number {
    const index = this.cursor.get(route.prefix) ?? 0;
    this.cursor.set(route.prefix, (index + 1) % route.upstreams.length);
    return index;
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
    try {
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
      if (noBody) answer.body.resume();
      return new Response(noBody ? null : (Readable.toWeb(answer.body) as ReadableStream), {
        status: answer.statusCode,
        headers: responseHeaders,
      });
    } catch (error) {
      throw translate(route, error);
    }
  }
}

function translate(route: Route, error: unknown): Error {
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
