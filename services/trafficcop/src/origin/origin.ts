// The RTMP origin: node-media-server running inside trafficcop, with its
// logs bridged into ours, its ports checked before it binds (it would exit
// the process on EADDRINUSE), signed play URLs, and push relays exposed as
// small handles the relay supervisor can watch.
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PortInUseError, type Logger } from '@bamboo/kit';
import {
  NodeMediaServer,
  nmsContext,
  nmsLogger,
  type NmsEvent,
  type NmsInstance,
  type NmsSession,
} from './nms.js';

export interface OriginOptions {
  host: string;
  rtmpPort: number;
  httpFlvPort: number;
  secret: string;
  playAuth: boolean;
  dataDir: string;
  /** An RTMP connection that has not asked to publish or play after this long is closed. */
  idleTimeoutMs: number;
  logger: Logger;
}

/** What a push relay is doing right now, as node-media-server reports it. */
export type RelayHandleState = 'connecting' | 'up' | 'down';

export interface RelayHandle {
  state(): RelayHandleState;
  /** Bytes sent to the remote server so far. */
  outBytes(): number;
  close(): void;
}

export interface Origin {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(event: NmsEvent, listener: (session: NmsSession) => void): void;
  /** `sign` query value for `streamPath` valid until `expiresAtS` (node-media-server's scheme). */
  sign(streamPath: string, expiresAtS: number): string;
  /** Every open session (publishers, players, relays). */
  sessions(): NmsSession[];
  /** Pushes `streamPath` to `url` with node-media-server's native relay (no ffmpeg). */
  pushRelay(streamPath: string, url: string): RelayHandle;
  /** True while both media listeners (RTMP, HTTP-FLV) accept connections. */
  listening(): boolean;
  /** Ends a live publisher's connection now. */
  disconnect(session: NmsSession): void;
}

// node-media-server logs every connection at info and client faults
// (garbage, bad names) at error; in our logs those are debug and warn.
const LEVELS: Record<string, 'trace' | 'debug' | 'warn'> = { trace: 'trace', debug: 'debug', info: 'debug', warn: 'warn', error: 'warn' };

export function createOrigin(options: OriginOptions): Origin {
  if (options.secret === '') throw new Error('the origin needs a non-empty secret');
  const log = options.logger.child({ component: 'origin' });
  let nms: NmsInstance | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  const listeners: Array<[NmsEvent, (session: NmsSession) => void]> = [];

  // node-media-server waits forever for a handshake or a publish/play
  // command; a port scan or a client sending garbage would hold a socket
  // for good. Connections without a stream path after the timeout are cut.
  const sweepIdle = () => {
    const cutoff = Date.now() - options.idleTimeoutMs;
    for (const session of nmsContext.sessions.values()) {
      if (session.protocol === 'rtmp' && session.ip !== '' && session.streamPath === '' && session.createTime < cutoff) {
        log.warn({ ip: session.ip, session: session.id }, 'closing an RTMP connection that never published or played');
        disconnect(session);
      }
    }
  };

  return {
    async start() {
      await Promise.all([assertFree(options.host, options.rtmpPort, 'RTMP'), assertFree(options.host, options.httpFlvPort, 'HTTP-FLV')]);
      nmsLogger.log = (message, level = 'info') => {
        log[LEVELS[level] ?? 'debug']({ nms: true }, message);
      };
      nms = new NodeMediaServer({
        bind: options.host,
        rtmp: { port: options.rtmpPort },
        http: { port: options.httpFlvPort },
        // Publishing is authorised by villa's stream keys (see publish/), not
        // by node-media-server's signed URLs; playing uses its signed URLs.
        auth: { play: options.playAuth, publish: false, secret: options.secret },
        store: { path: join(options.dataDir, 'nms') },
        webadmin: { enable: false },
      });
      for (const [event, listener] of listeners) nms.on(event, listener);
      await nms.run();
      // Relays are ours to start; node-media-server restores the previous run's.
      for (const key of [...nms.relayServer.tasks.keys()]) nms.relayServer.removeTask(key);
      await Promise.all([listening(nms.rtmpServer.tcpServer), listening(nms.httpServer.httpServer)]);
      sweeper = setInterval(sweepIdle, Math.min(1_000, options.idleTimeoutMs));
      sweeper.unref();
      log.info({ rtmpPort: options.rtmpPort, httpFlvPort: options.httpFlvPort, playAuth: options.playAuth }, 'origin listening');
    },

    async stop() {
      if (!nms) return;
      clearInterval(sweeper);
      const server = nms;
      nms = undefined;
      for (const session of [...nmsContext.sessions.values()]) {
        try {
          session.close();
        } catch (error) {
          log.warn({ err: error }, 'closing a session failed');
        }
      }
      await server.stop();
      for (const [event, listener] of listeners) nmsContext.eventEmitter.off(event, listener);
      nmsContext.broadcasts.clear();
      nmsContext.sessions.clear();
    },

    on(event, listener) {
      // Our handlers must never throw into node-media-server's call stack.
      const safe = (session: NmsSession) => {
        try {
          listener(session);
        } catch (error) {
          log.error({ err: error, event }, 'origin event handler failed');
        }
      };
      listeners.push([event, safe]);
      nms?.on(event, safe);
    },

    sign(streamPath, expiresAtS) {
      const hash = createHash('md5').update(`${streamPath}-${expiresAtS}-${options.secret}`).digest('hex');
      return `${expiresAtS}-${hash}`;
    },

    sessions() {
      return [...nmsContext.sessions.values()];
    },

    pushRelay(streamPath, url) {
      if (!nms) throw new Error('origin is not running');
      const relays = nms.relayServer;
      const key = `push:${url}`;
      // A dead task stays in node-media-server's map and blocks a re-add.
      if (relays.tasks.has(key)) relays.removeTask(key);
      const session = relays.addTask({ url, mode: 'push', streamPath, reconnect: false });
      if (!session) throw new Error(`relay to ${url} was not created`);
      // Between the remote closing and node-media-server noticing, its
      // client throws on write — inside the publisher's data handler, where
      // it would escape as an uncaught exception. The watcher sees the relay
      // down on its next check.
      const send = session.sendBuffer.bind(session);
      session.sendBuffer = (buffer: Buffer) => {
        try {
          send(buffer);
        } catch (error) {
          log.debug({ err: error, url }, 'relay write after its connection closed');
        }
      };
      let closed = false;
      return {
        state() {
          if (closed || !session.isRunning) return 'down';
          return session.isRegistered && session.rtmpClient.connected ? 'up' : 'connecting';
        },
        outBytes: () => session.outBytes,
        close() {
          if (closed) return;
          closed = true;
          if (relays.tasks.get(key) === session) relays.removeTask(key);
          else session.close();
        },
      };
    },

    listening() {
      return Boolean(nms?.rtmpServer.tcpServer?.listening && nms.httpServer.httpServer?.listening);
    },

    disconnect,
  };
}

function disconnect(session: NmsSession): void {
  if (session.socket && !session.socket.destroyed) session.socket.destroy();
  else session.close();
}

function assertFree(host: string, port: number, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(`trafficcop ${name}`, port) : error);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function listening(server: { listening: boolean; once(e: 'listening' | 'error', l: (...a: unknown[]) => void): void } | undefined): Promise<void> {
  if (!server || server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', (error) => reject(error as Error));
  });
}
