// Starts villa over real sockets on the embedded document store (a temp dir)
// and memory or Redis hot state, and calls it as apollo (signed, with the
// end user's identity) or as another service (signed /internal/* calls).
import { rm } from 'node:fs/promises';
import { createLogger, listen, loadConfig } from '@bamboo/kit';
import { openEngines, type Engines } from '@bamboo/engines';
import { deleteRedisKeys, signedInit, tempDir, uniquePrefix, userIdentity } from '@bamboo/testing';
import { createApp } from '../src/app.js';
import { configShape, type Config } from '../src/config.js';
import type { Villa } from '../src/rooms/deps.js';
import { openVilla } from '../src/villa.js';

export const KEY = 'villa-test-internal-key-0123456789';

export interface Running {
  url: string;
  villa: Villa;
  engines: Engines;
  config: Config;
  /** A public call as apollo forwards it; `as` is the end user (none: no user token). */
  call(path: string, options?: { method?: string; body?: unknown; as?: string; scopes?: string[] }): Promise<Response>;
  /** A signed /internal/* call from `caller`. */
  internal(path: string, options?: { method?: string; body?: unknown; caller?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startVilla(env: Record<string, string> = {}): Promise<Running> {
  // A DATA_DIR given by the test outlives this instance (restart tests).
  const ownDir = env.DATA_DIR === undefined;
  const dir = env.DATA_DIR ?? (await tempDir('villa'));
  const prefix = uniquePrefix('villa');
  const config = loadConfig(configShape, {
    BAMBOO_INTERNAL_KEY: KEY,
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    REDIS_PREFIX: prefix,
    // A fresh snapshot for every first page, so a test sees rooms it just changed; cursors still pin theirs.
    VILLA_LIST_SNAPSHOT_MS: '1',
    ...env,
  });
  const engines = await openEngines(config, 'villa');
  const villa = await openVilla(config, engines);
  const app = createApp({ config, logger: createLogger('villa', 'silent'), engines, villa });
  const server = await listen('villa', app.fetch, { port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    villa,
    engines,
    config,
    call: (path, o = {}) =>
      fetch(
        url + path,
        signedInit(KEY, path, {
          ...(o.method ? { method: o.method } : {}),
          ...(o.body !== undefined ? { body: o.body } : {}),
          ...(o.as ? { identity: userIdentity(o.as, o.scopes) } : o.scopes ? { identity: { method: 'oauth', clientId: 'ops', scopes: o.scopes } } : {}),
        }),
      ),
    internal: (path, o = {}) =>
      fetch(
        url + path,
        signedInit(KEY, path, {
          ...(o.method ? { method: o.method } : {}),
          ...(o.body !== undefined ? { body: o.body } : {}),
          caller: o.caller ?? 'trafficcop',
        }),
      ),
    close: async () => {
      await server.close(500);
      await engines.close();
      if (ownDir) await rm(dir, { recursive: true, force: true });
      // An unreachable Redis (the outage tests) holds no keys to clean.
      if (config.REDIS_URL) await deleteRedisKeys(config.REDIS_URL, prefix).catch(() => undefined);
    },
  };
}

/** A session id as trafficcop makes them: start ms in base36, 9 chars, then a random part. */
export function sessionId(startMs: number, random = Math.random().toString(36).slice(2, 8)): string {
  return `${startMs.toString(36).padStart(9, '0')}-${random}`;
}
