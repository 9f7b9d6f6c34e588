// Listening and graceful shutdown. `listen` binds one HTTP server; `runService`
// installs the process-wide guards: SIGTERM/SIGINT stop accepting, let
// in-flight requests finish (bounded), close the stores, exit 0; unexpected
// exceptions are logged and never kill the process.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { directListener } from './direct-route.js';
import type { Logger } from './logger.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, waits for in-flight requests up to `timeoutMs`, then drops what is left. */
  close(timeoutMs: number): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly service: string, readonly port: number) {
    super(`${service}: port ${port} is already in use (set PORT to another port, or stop what holds it)`);
    this.name = 'PortInUseError';
  }
}

export function listen(
  service: string,
  fetch: (request: Request, env: never) => Response | Promise<Response>,
  options: { port: number; host: string },
): Promise<RunningServer> {
  const hono = getRequestListener(fetch as never);
  // A service app's direct routes (direct-route.ts) are answered before Hono.
  const server = createServer(directListener(fetch, hono) ?? hono);
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(service, options.port) : error);
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      const port = (server.address() as AddressInfo).port;
      resolve({ server, port, close: (timeoutMs) => closeGracefully(server, timeoutMs) });
    });
  });
}

function closeGracefully(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const idleSweeper = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(idleSweeper);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export interface RunServiceOptions {
  service: string;
  logger: Logger;
  /** Everything that listens (HTTP, and e.g. a TCP or RTMP server), closed first. */
  listeners: Array<{ name: string; close(timeoutMs: number): Promise<void> }>;
  /** Run after the listeners closed, e.g. closing stores; each failure is logged. */
  onShutdown?: Array<() => Promise<void>>;
  shutdownTimeoutMs: number;
  /** Exits the process; replaceable in tests. */
  exit?: (code: number) => void;
}

/** Installs the signal handlers and the panic filter; returns the shutdown function. */
export function runService(options: RunServiceOptions): () => Promise<void> {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;

  const shutdown = () => {
    stopping ??= (async () => {
      logger.info('shutting down: no new connections, finishing in-flight requests');
      await Promise.all(options.listeners.map((l) => l.close(options.shutdownTimeoutMs)));
      for (const step of options.onShutdown ?? []) {
        try {
          await step();
        } catch (error) {
          logger.error({ err: error }, 'shutdown step failed');
        }
      }
      logger.info('stopped');
      exit(0);
    })();
    return stopping;
  };

  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
  return shutdown;
}
