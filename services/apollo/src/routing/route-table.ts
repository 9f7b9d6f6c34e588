// The route table: public prefix → service and its instances. The default
// mirrors DESIGN.md §1; APOLLO_ROUTES_FILE points at a JSON file that
// replaces it. Instances come from `<SERVICE>_URL` (comma-separated for
// several instances of one service).
import { readFileSync } from 'node:fs';
import { SERVICE_NAMES, z } from '@bamboo/kit';

export const RouteSchema = z.object({
  prefix: z.string().regex(/^\/[\w\-/]*[\w-]$/, 'must look like /v1/rooms'),
  service: z.enum(SERVICE_NAMES as [string, ...string[]]),
  /** Upstream base URLs; empty means "from <SERVICE>_URL". */
  upstreams: z.array(z.string().url()).default([]),
  timeoutMs: z.number().int().positive().default(5_000),
});
export type RouteConfig = z.infer<typeof RouteSchema>;

export interface Route extends RouteConfig {
  upstreams: string[];
}

export const DEFAULT_ROUTES: Array<Pick<RouteConfig, 'prefix' | 'service'>> = [
  { prefix: '/v1/presence', service: 'sandglass' },
  { prefix: '/v1/rooms', service: 'villa' },
  { prefix: '/v1/categories', service: 'villa' },
  { prefix: '/v1/gifts', service: 'magi' },
  { prefix: '/v1/wallets', service: 'magi' },
  { prefix: '/v1/danmaku', service: 'homer' },
  { prefix: '/v1/cdn', service: 'trafficcop' },
  { prefix: '/v1/images', service: 'image' },
];

/** `serviceUrls` holds `<SERVICE>_URL` values, e.g. the loaded config. */
export function loadRoutes(file: string | undefined, serviceUrls: object): Route[] {
  const env = serviceUrls as Record<string, string | undefined>;
  const raw: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : DEFAULT_ROUTES;
  const parsed = z.array(RouteSchema).safeParse(raw);
  if (!parsed.success) {
    const where = file ?? 'default routes';
    throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
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
