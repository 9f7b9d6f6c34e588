// How bamboo-cdn reaches the ops API. Two ways, chosen by the environment:
// - BAMBOO_INTERNAL_KEY set (an ops host on the service network): straight
//   to trafficcop (TRAFFICCOP_URL), each call signed like a service call,
//   as caller `bamboo-cdn`, on behalf of `--as` (default $USER);
// - else BAMBOO_CDN_TOKEN (an apollo bearer token with scope cdn:admin):
//   through apollo (APOLLO_URL).
import { identityHeaders, signatureHeaders } from '@bamboo/kit';

export interface ApiTarget {
  baseUrl: string;
  internalKey?: string;
  token?: string;
  actor: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function targetFromEnv(env: NodeJS.ProcessEnv, url: string | undefined, actor: string | undefined): ApiTarget {
  const who = actor ?? env.USER ?? env.LOGNAME ?? 'ops';
  if (env.BAMBOO_INTERNAL_KEY) {
    return { baseUrl: url ?? env.TRAFFICCOP_URL ?? 'http://127.0.0.1:8085', internalKey: env.BAMBOO_INTERNAL_KEY, actor: who };
  }
  if (env.BAMBOO_CDN_TOKEN) return { baseUrl: url ?? env.APOLLO_URL ?? 'http://127.0.0.1:8080', token: env.BAMBOO_CDN_TOKEN, actor: who };
  throw new ApiError(0, 'no_credentials', 'set BAMBOO_INTERNAL_KEY (straight to trafficcop) or BAMBOO_CDN_TOKEN (through apollo)');
}

export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (text !== undefined) headers['content-type'] = 'application/json';
  if (target.internalKey) {
    Object.assign(
      headers,
      identityHeaders({ method: 'internal', userId: target.actor, scopes: [] }),
      signatureHeaders(target.internalKey, { method, pathWithQuery: path, body: text, caller: 'bamboo-cdn', timestampMs: Date.now() }),
    );
  } else if (target.token) {
    headers.authorization = `Bearer ${target.token}`;
  }
  let res: Response;
  try {
    res = await fetch(new URL(path, target.baseUrl), { method, headers, body: text, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new ApiError(0, 'unreachable', `${target.baseUrl} does not answer (${error instanceof Error ? error.message : String(error)})`);
  }
  const raw = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    throw new ApiError(res.status, 'bad_answer', `${method} ${path}: answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? `${method} ${path}: HTTP ${res.status}`);
  }
  return parsed;
}
