// An HTTP server a line's probe URL points at; `healthy` decides whether it
// answers 200 or 503.
import { createServer, type Server } from 'node:http';

export interface ProbeTarget {
  url: string;
  healthy: boolean;
  hits: number;
  close(): Promise<void>;
}

export async function startProbeTarget(): Promise<ProbeTarget> {
  const target = { healthy: true, hits: 0 } as ProbeTarget;
  const server: Server = createServer((_req, res) => {
    target.hits += 1;
    res.writeHead(target.healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(target.healthy ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  target.url = `http://127.0.0.1:${address.port}/health`;
  target.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return target;
}
