// Requests as apollo forwards them (signed, with identity headers), and as
// services call each other (signed /internal/* calls), for service tests.
import { identityHeaders, signatureHeaders, type Identity } from '@bamboo/kit';

export interface AsGatewayOptions {
  method?: string;
  body?: unknown;
  identity?: Omit<Identity, 'caller'>;
  caller?: string;
  headers?: Record<string, string>;
}

/**
 * A fetch/app.request init for `pathWithQuery`, signed with `key` as if apollo
 * (or `caller`) sent it. The body, when given, is sent as JSON.
 */
export function signedInit(key: string, pathWithQuery: string, options: AsGatewayOptions = {}): RequestInit {
  const method = (options.method ?? (options.body === undefined ? 'GET' : 'POST')).toUpperCase();
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return {
    method,
    ...(body === undefined ? {} : { body }),
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.identity ? identityHeaders(options.identity) : {}),
      ...options.headers,
      ...signatureHeaders(key, {
        method,
        pathWithQuery,
        body,
        caller: options.caller ?? 'apollo',
        timestampMs: Date.now(),
      }),
    },
  };
}

/** The identity apollo forwards for an end user `userId` of the demo client. */
export function userIdentity(userId: string, scopes: string[] = []): Omit<Identity, 'caller'> {
  return { method: 'user-token', userId, clientId: 'demo-app', scopes };
}

/** Response bodies in tests are read loosely; assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const readJson = (res: Response): Promise<any> => res.json();
