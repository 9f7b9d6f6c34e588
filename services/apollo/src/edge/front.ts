// Puts the public path in front of the Hono app on one node:http server:
// /v1/* requests go to the bare handler, everything else (OAuth, admin,
// docs, health, metrics, and apollo's own /v1 routes) to Hono as before.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

export function frontPublicPath(server: Server, publicPath: RequestListener, honoPaths: ReadonlySet<string>): void {
  const hono = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isPublic(req.url ?? '/', honoPaths)) return publicPath(req, res);
    for (const listener of hono) listener.call(server, req, res);
  });
}

function isPublic(url: string, honoPaths: ReadonlySet<string>): boolean {
  if (!url.startsWith('/v1/')) return false;
  const query = url.indexOf('?');
  return !honoPaths.has(query < 0 ? url : url.slice(0, query));
}
