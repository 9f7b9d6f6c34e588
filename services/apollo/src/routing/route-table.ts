// The route table: public prefix → service and its instances, who may call
// it, and which limit group a call counts against. The default mirrors
// DESIGN.md §1; APOLLO_ROUTES_FILE points at a JSON file that replaces it;
// the admin API replaces it at run time (routing/live-routes.ts). Instances
// come from `<SERVICE>_URL` (comma-separated for several instances).
import { readFileSync } from 'node:fs';
import { SERVICE_NAMES, z } from '@bamboo/kit';

export const RouteSchema = z.object({
  prefix: z.string().regex(/^\/[\w\-/]*[\w-]$/, 'must look like /v1/rooms'),
  service: z.enum(SERVICE_NAMES as [string, ...string[]]),
  /** Upstream base URLs; empty means "from <SERVICE>_URL". */
  upstreams: z.array(z.string().url()).default([]),
  timeoutMs: z.number().int().positive().default(5_000),
  /**
   * Who may call: `public` anyone, `writes` (default) anyone may read
   * (GET/HEAD/OPTIONS) but writes need a client, `required` every call needs one.
   */
  auth: z.enum(['public', 'writes', 'required']).default('writes'),
  /** Scopes a caller must hold for writes (reads need none). */
  writeScopes: z.array(z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/)).default([]),
  /** Limit group of reads and of writes (see clients/client.ts PLANS). */
  readGroup: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/).default('read'),
  writeGroup: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/).default('write'),
  /** Largest body of this route (413 above); APOLLO_MAX_BODY_BYTES caps every route. */
  maxBodyBytes: z.number().int().positive().optional(),
  /** Methods forwarded; anything else is 405. */
  methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])).default(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
});
export type RouteConfig = z.infer<typeof RouteSchema>;

export interface Route extends RouteConfig {
  upstreams: string[];
}

export const DEFAULT_ROUTES: Array<Partial<RouteConfig> & Pick<RouteConfig, 'prefix' | 'service'>> = [
  { prefix: '/v1/presence', service: 'sandglass' },
  { prefix: '/v1/rooms', service: 'villa' },
  { prefix: '/v1/categories', service: 'villa' },
  { prefix: '/v1/gifts', service: 'magi', writeGroup: 'gifts.send' },
  { prefix: '/v1/wallets', service: 'magi', auth: 'required' },
  { prefix: '/v1/danmaku', service: 'homer', writeGroup: 'danmaku.send' },
  // Anonymous viewers get a connect ticket too (without send rights); a caller's token still counts.
  { prefix: '/v1/danmaku/tickets', service: 'homer', auth: 'public' },
  { prefix: '/v1/cdn', service: 'trafficcop' },
  { prefix: '/v1/images', service: 'image' },
];

export const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `serviceUrls` holds `<SERVICE>_URL` values, e.g. the loaded config. */
export function loadRoutes(file: string | undefined, serviceUrls: object): Route[] {
  const raw: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : DEFAULT_ROUTES;
  return parseRoutes(raw, serviceUrls, file ?? 'default routes');
}

/** Validates a route table (from a file or the admin API); throws naming the bad field. */
export function parseRoutes(raw: unknown, serviceUrls: object, where: string): Route[] {
  const env = serviceUrls as Record<string, string | undefined>;
  const parsed = z.array(RouteSchema).safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const prefixes = parsed.data.map((r) => r.prefix);
  const twice = prefixes.find((p, i) => prefixes.indexOf(p) !== i);
  if (twice) throw new Error(`${where}: prefix ${twice} appears twice`);
  return parsed.data.map((route) => {
    const fromEnv = (env[`${route.service.toUpperCase()}_URL`] ?? '').split(',').map((s) => s.trim());
    const upstreams = route.upstreams.length > 0 ? route.upstreams : fromEnv.filter(Boolean);
    if (upstreams.length === 0) throw new Error(`route ${route.prefix}: no upstream for ${route.service}`);
    return { ...route, upstreams };
  });
}

/** The route whose prefix matches `path` on a segment boundary, longest first. */
export function matchRoute(routes: Route[], path: string): Route | undefined {
  let best: Route | undefined;
  for (const route of routes) {
    const matches = path === route.prefix || path.startsWith(`${route.prefix}/`);
    if (matches && (!best || route.prefix.length > best.prefix.length)) best = route;
  }
  return best;
}
