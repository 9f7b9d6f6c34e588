// The boot sequence every service's main.ts shares: run the setup, listen,
// install shutdown and the panic filter. A bad config or a taken port stops
// the process at once with a message that says what to fix.
import type { BaseConfig } from './config.js';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';
import type { ServiceApp } from './app.js';
import { PortInUseError, listen, runService, type RunningServer } from './server.js';

/** Runs `boot`; a startup failure is printed plainly and exits with 1. */
export async function startup(service: string, boot: () => Promise<void>): Promise<void> {
  try {
    await boot();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PortInUseError) {
      process.stderr.write(`${service}: ${error.message}\n`);
    } else {
      process.stderr.write(`${service}: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
    process.exit(1);
  }
}

export interface ServeOptions {
  service: string;
  app: ServiceApp;
  config: Pick<BaseConfig, 'PORT' | 'HOST' | 'SHUTDOWN_TIMEOUT_MS'>;
  logger: Logger;
  /** Other listeners of the service (TCP gateway, RTMP), closed with HTTP. */
  extraListeners?: Array<{ name: string; close(timeoutMs: number): Promise<void> }>;
  /** Closing stores and the like, after the listeners. */
  onShutdown?: Array<() => Promise<void>>;
}

export async function serveService(options: ServeOptions): Promise<RunningServer> {
  const http = await listen(options.service, options.app.fetch, {
    port: options.config.PORT,
    host: options.config.HOST,
  });
  runService({
    service: options.service,
    logger: options.logger,
    listeners: [{ name: 'http', close: http.close }, ...(options.extraListeners ?? [])],
    onShutdown: options.onShutdown ?? [],
    shutdownTimeoutMs: options.config.SHUTDOWN_TIMEOUT_MS,
  });
  options.logger.info({ port: http.port, host: options.config.HOST }, `${options.service} listening`);
  return http;
}
