// The public API document: apollo's own paths plus, from each service's
// generated /openapi.json, the paths under the prefixes apollo routes to it.
// Internal and health routes of services stay out of the public document.
import type { Route } from '../routing/route-table.js';
import { matchRoute } from '../routing/route-table.js';

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths?: Record<string, unknown>;
  components?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export function mergeDocuments(
  own: OpenApiDocument,
  routes: Route[],
  services: Array<{ service: string; document: OpenApiDocument | undefined }>,
): OpenApiDocument {
  const paths: Record<string, unknown> = { ...own.paths };
  const components: Record<string, Record<string, unknown>> = structuredClone(own.components ?? {});
  const missing: string[] = [];
  for (const { service, document } of services) {
    if (!document) {
      missing.push(service);
      continue;
    }
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      if (matchRoute(routes, path)?.service === service) paths[path] = item;
    }
    for (const [kind, entries] of Object.entries(document.components ?? {})) {
      components[kind] = { ...components[kind], ...entries };
    }
  }
  const note = missing.length > 0 ? `\n\nNot included (did not answer): ${missing.join(', ')}.` : '';
  return {
    ...own,
    info: { ...own.info, description: `${String(own.info.description ?? '')}${note}` },
    paths,
    components,
  };
}

export async function fetchDocument(baseUrl: string, timeoutMs: number): Promise<OpenApiDocument | undefined> {
  try {
    const res = await fetch(new URL('/openapi.json', baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return (await res.json()) as OpenApiDocument;
  } catch {
    return undefined;
  }
}
