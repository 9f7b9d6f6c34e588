// Starting real homer nodes on real sockets for the end-to-end tests, with a
// stand-in for villa (which rooms exist, who is muted).
import { createLogger, listen, loadConfig, NotFoundError, type RunningServer } from '@bamboo/kit';
import { openEngines, type Engines } from '@bamboo/engines';
import { deleteRedisKeys, readJson, signedInit, tempDir, uniquePrefix, userIdentity } from '@bamboo/testing';
import { rm } from 'node:fs/promises';
import { configShape, type Config } from '../src/config.js';
import { buildHomer } from '../src/homer.js';
import type { Gateway } from '../src/gateway/gateway.js';
import type { RoomCatalog, SendPermission } from '../src/logic/rooms.js';
import type { PresenceSink } from '../src/logic/presence.js';
import type { GatewayInfo } from '../src/stores/gateway-registry.js';

export const KEY = 'test-internal-key-0123456789';

/** villa as homer sees it: these rooms exist; these users are refused. */
export class FakeVilla implements RoomCatalog {
  readonly rooms = new Set(['42', '43', '44', '45', '46', '47', '48', '49']);
  readonly refused = new Map<string, SendPermission>();
  /** Calls to sendPermission, to see homer's cache at work. */
  permissionCalls = 0;
  async assertRoom(roomId: string): Promise<void> {
    if (!this.rooms.has(roomId)) throw new NotFoundError(`room ${roomId} does not exist`, 'room_not_found');
  }
  async anchorOf(roomId: string): Promise<string> {
    await this.assertRoom(roomId);
    return `anchor-${roomId}`;
  }
  async sendPermission(roomId: string, uid: string): Promise<SendPermission> {
    this.permissionCalls++;
    await this.assertRoom(roomId);
    return this.refused.get(uid) ?? { allowed: true };
  }
}

export interface Node {
  url: string;
  address: GatewayInfo;
  gateway: Gateway;
  config: Config;
  engines: Engines;
  http: RunningServer;
  villa: FakeVilla;
  /** Drains the gateway (as SIGTERM does), then closes HTTP and the stores. */
  stop(): Promise<void>;
  ticket(room: string, uid?: string, network?: string): Promise<string>;
}

export interface NodeOptions {
  env?: Record<string, string>;
  /** Share one Redis namespace between nodes. */
  redis?: { url: string; prefix: string };
  villa?: FakeVilla;
  /** Where viewers are reported; without it reporting is off (HOMER_PRESENCE_REPORT=false). */
  presence?: PresenceSink;
}

export async function startNode(options: NodeOptions = {}): Promise<Node> {
  const dataDir = await tempDir('homer');
  const config = loadConfig(configShape, {
    BAMBOO_INTERNAL_KEY: KEY,
    DATA_DIR: dataDir,
    HOMER_TCP_PORT: '0',
    PORT: '0',
    LOG_LEVEL: 'silent',
    HOMER_PRESENCE_REPORT: options.presence ? 'true' : 'false',
    ...(options.redis ? { REDIS_URL: options.redis.url, REDIS_PREFIX: options.redis.prefix } : {}),
    ...options.env,
  });
  const logger = createLogger('homer', config.LOG_LEVEL);
  const engines = await openEngines(config, 'homer');
  const villa = options.villa ?? new FakeVilla();
  const { app, gateway } = buildHomer(config, logger, engines, { rooms: villa, ...(options.presence ? { presence: options.presence } : {}) });
  const http = await listen('homer', app.fetch, { port: 0, host: '127.0.0.1' });
  const address = await gateway.start(http.server, http.port, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${http.port}`;
  let stopped = false;
  return {
    url,
    address,
    gateway,
    config,
    engines,
    http,
    villa,
    async stop() {
      if (stopped) return;
      stopped = true;
      await gateway.close(1_000);
      await http.close(1_000);
      await engines.close();
      await rm(dataDir, { recursive: true, force: true });
    },
    async ticket(room, uid, network) {
      const res = await fetch(
        `${url}/v1/danmaku/tickets`,
        signedInit(KEY, '/v1/danmaku/tickets', {
          method: 'POST',
          body: { room, ...(network ? { network } : {}) },
          ...(uid ? { identity: userIdentity(uid) } : {}),
        }),
      );
      if (res.status !== 200) throw new Error(`ticket: ${res.status} ${JSON.stringify(await readJson(res))}`);
      return (await readJson(res)).ticket as string;
    },
  };
}

/** A Redis namespace for a group of nodes, and its cleanup. */
export function redisNamespace(url: string): { url: string; prefix: string; clean(): Promise<number> } {
  const prefix = uniquePrefix('homer-e2e');
  return { url, prefix, clean: () => deleteRedisKeys(url, prefix) };
}

type Maybe<T> = T | undefined | false;

/** Resolves with the first truthy value of `probe` (sync or async), polled every 10 ms. */
export async function eventually<T>(probe: () => Maybe<T> | Promise<Maybe<T>>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function post(node: Node, path: string, body: unknown, opts: { uid?: string; caller?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(
    node.url + path,
    signedInit(KEY, path, {
      method: 'POST',
      body,
      ...(opts.uid ? { identity: userIdentity(opts.uid) } : {}),
      ...(opts.caller ? { caller: opts.caller } : {}),
      ...(opts.headers ? { headers: opts.headers } : {}),
    }),
  );
  return { status: res.status, body: await readJson(res) };
}
