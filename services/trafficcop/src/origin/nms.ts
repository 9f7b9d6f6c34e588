// The parts of node-media-server 4.x that trafficcop uses, typed here because
// the package ships no types for 4.x (@types/node-media-server describes 2.x).
// Facts this file relies on, read from its source:
// - the server keeps its state in one module-level Context, so there is one
//   origin per process;
// - event handlers are synchronous and their return value is ignored;
// - `session.broadcast` is the stream's BroadcastServer from the RTMP connect
//   onwards; its `publisher` is held through a reconnect grace window.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface NmsSession {
  id: string;
  /** "address:port" of the client; empty for internal sessions (relays, records). */
  ip: string;
  protocol: string;
  isPublisher: boolean;
  streamApp: string;
  streamName: string;
  streamPath: string;
  streamQuery: Record<string, unknown> | null | undefined;
  inBytes: number;
  outBytes: number;
  createTime: number;
  broadcast?: NmsBroadcast | null;
  socket?: { destroy(): void; destroyed?: boolean };
  sendBuffer(buffer: Buffer): void;
  close(): void;
}

export interface NmsBroadcast {
  streamPath: string;
  publisher: NmsSession | null;
  subscribers: Map<string, NmsSession>;
  publishGraceMs: number;
  getPublishStatus(): 'publishing' | 'reconnecting' | 'idle';
}

export interface NmsRelaySession extends NmsSession {
  taskKey: string;
  isRunning: boolean;
  isRegistered: boolean;
  rtmpClient: { connected: boolean };
}

export interface NmsRelayServer {
  tasks: Map<string, NmsRelaySession>;
  addTask(config: {
    url: string;
    mode: 'push';
    streamPath: string;
    reconnect: boolean;
  }): NmsRelaySession | undefined;
  removeTask(taskKey: string): boolean;
}

interface TcpLike {
  listening: boolean;
  once(event: 'listening' | 'error', listener: (...args: unknown[]) => void): void;
}

export interface NmsInstance {
  on(event: NmsEvent, listener: (session: NmsSession) => void): void;
  run(): Promise<void>;
  stop(): Promise<void>;
  relayServer: NmsRelayServer;
  rtmpServer: { tcpServer?: TcpLike };
  httpServer: { httpServer?: TcpLike };
}

export type NmsEvent = 'prePublish' | 'postPublish' | 'donePublish' | 'prePlay' | 'postPlay' | 'donePlay';

export interface NmsConfig {
  bind: string;
  rtmp: { port: number };
  http: { port: number };
  auth: { play: boolean; publish: boolean; secret: string };
  store: { path: string };
  webadmin: { enable: boolean };
}

export interface NmsContext {
  sessions: Map<string, NmsSession>;
  broadcasts: Map<string, NmsBroadcast>;
  eventEmitter: { off(event: string, listener: (session: NmsSession) => void): void };
}

export interface NmsLogger {
  log(message: string, level?: string): void;
}

export const NodeMediaServer = require('node-media-server') as new (config: NmsConfig) => NmsInstance;
export const nmsContext = require('node-media-server/src/core/context.js') as NmsContext;
export const nmsLogger = require('node-media-server/src/core/logger.js') as NmsLogger;
