// End-to-end helpers: magi on a real socket with its real engines, and small
// stand-ins for villa and homer that speak the agreed contracts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, listen, loadConfig, type RunningServer } from '@bamboo/kit';
import { openEngines, type Engines } from '@bamboo/engines';
import { signedInit, userIdentity } from '@bamboo/testing';
import { createApp } from '../src/app.js';
import { configShape, type Config } from '../src/config.js';
import { openMagi, type Magi } from '../src/magi.js';

export const KEY = 'test-internal-key-0123456789';

export interface FakeRoom {
  roomId: string;
  anchorId: string;
  categoryId: string;
  live: boolean;
  sessionId: string | null;
  closed: boolean;
}

/** A villa that answers GET /internal/rooms/{roomId} from `rooms`; `down` makes it answer 503. */
export async function fakeVilla() {
  const rooms = new Map<string, FakeRoom>();
  const state = { down: false, calls: 0 };
  const server = await serve((req, res) => {
    state.calls++;
    const m = /^\/internal\/rooms\/([^/]+)$/.exec(req.url ?? '');
    if (state.down) return send(res, 503, { error: { code: 'unavailable', message: 'villa down' } });
    const room = m ? rooms.get(decodeURIComponent(m[1]!)) : undefined;
    if (!room) return send(res, 404, { error: { code: 'not_found', message: 'no such room' } });
    send(res, 200, { ...room, shortId: '1', title: 't' });
  });
  return { ...server, rooms, state };
}

export interface Broadcast {
  roomId: string;
  type: string;
  priority: string;
  body: Record<string, unknown>;
  idempotencyKey: string;
}

/**
 * A homer that delivers each idempotencyKey once, one per call or many
 * (`/internal/broadcast/rooms`, all or none); `failing` makes it answer 503,
 * `refused` keys get 400, `batches: false` is a homer without the batch route.
 */
export async function fakeHomer() {
  const delivered = new Map<string, Broadcast & { seq: number }>();
  const state = { failing: false, posts: 0, batches: true, refused: new Set<string>() };
  const deliver = (body: Broadcast): number => {
    const seen = delivered.get(body.idempotencyKey);
    if (seen) return seen.seq;
    const seq = delivered.size + 1;
    delivered.set(body.idempotencyKey, { ...body, seq });
    return seq;
  };
  const server = await serve(async (req, res) => {
    const body = JSON.parse(await read(req)) as Broadcast & { messages?: Broadcast[] };
    const batch = req.url === '/internal/broadcast/rooms';
    if (batch && !state.batches) return send(res, 404, { error: { code: 'not_found', message: 'no such route' } });
    state.posts++;
    if (state.failing) return send(res, 503, { error: { code: 'unavailable', message: 'homer down' } });
    const messages = batch ? body.messages! : [body];
    if (messages.some((m) => state.refused.has(m.idempotencyKey))) return send(res, 400, { error: { code: 'invalid_input', message: 'refused' } });
    const seqs = messages.map(deliver);
    send(res, 202, batch ? { seqs } : { seq: seqs[0] });
  });
  return { ...server, delivered, state };
}

export interface RunningMagi {
  url: string;
  magi: Magi;
  engines: Engines;
  config: Config;
  /** Graceful: flush, stop loops, close stores. */
  stop(): Promise<void>;
}

export async function startMagi(env: Record<string, string | undefined>): Promise<RunningMagi> {
  const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: KEY, LOG_LEVEL: 'silent', MAGI_BROADCAST_IDLE_MS: '10', ...env });
  const logger = createLogger('magi', config.LOG_LEVEL);
  const engines = await openEngines(config, 'magi');
  const magi = await openMagi({ config, logger, engines });
  const app = createApp({ config, logger, engines, magi });
  const http: RunningServer = await listen('magi', app.fetch, { port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${http.port}`,
    magi,
    engines,
    config,
    stop: async () => {
      await http.close(1000);
      await magi.close();
      await engines.close();
    },
  };
}

/** Calls magi as apollo forwards a request: signed, as `uid` when given, else as an internal caller. */
export function call(base: string, path: string, options: { method?: string; body?: unknown; uid?: string; scopes?: string[] } = {}) {
  return fetch(
    base + path,
    signedInit(KEY, path, {
      ...(options.method ? { method: options.method } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.uid ? { identity: userIdentity(options.uid, options.scopes) } : {}),
    }),
  );
}

export const admin = { uid: 'ops', scopes: ['magi:admin'] };

export const GIFT = {
  name: 'Rose',
  price: 10,
  experience: 10,
  weight: 8,
  iconImageId: 'img-rose',
  effectLevel: 1,
  sortOrder: 1,
};

export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>) {
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
