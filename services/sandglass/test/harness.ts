// Starts sandglass in this process on a real socket, on the memory engine or
// on Redis under a unique prefix, with a clock the test moves.
import { rm } from 'node:fs/promises';
import { createLogger, listen, loadConfig } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { deleteRedisKeys, tempDir, uniquePrefix } from '@bamboo/testing';
import { createApp } from '../src/app.js';
import { configShape, type Config } from '../src/config.js';
import { ManualClock } from '../src/presence/clock.js';
import { openPresence } from '../src/stores/open-presence.js';
import { openRecords, type Records } from '../src/stores/records.js';
import type { PresenceStore } from '../src/stores/presence.js';

export const KEY = 'test-internal-key-0123456789';

export interface Running {
  url: string;
  clock: ManualClock;
  config: Config;
  store: PresenceStore;
  records: Records;
  dataDir: string;
  close(): Promise<void>;
}

export interface StartOptions {
  redisUrl?: string;
  /** Reuse a data directory (to restart over the same documents). */
  dataDir?: string;
  env?: Record<string, string>;
}

export async function startSandglass(options: StartOptions = {}): Promise<Running> {
  const dataDir = options.dataDir ?? (await tempDir('sandglass'));
  const prefix = uniquePrefix('sandglass');
  const config = loadConfig(configShape, {
    BAMBOO_INTERNAL_KEY: KEY,
    DATA_DIR: dataDir,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const engines = await openEngines(config, 'sandglass');
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
  const store = openPresence(engines.hot, clock, config);
  const records = await openRecords(engines.docs);
  const app = createApp({ config, logger: createLogger('sandglass', 'silent'), engines, clock, store, records });
  const server = await listen('sandglass', app.fetch, { port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${server.port}`,
    clock,
    config,
    store,
    records,
    dataDir,
    async close() {
      await server.close(1000);
      await engines.close();
      if (options.redisUrl) await deleteRedisKeys(options.redisUrl, prefix).catch(() => undefined);
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON POST as an unsigned development client. */
export function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
