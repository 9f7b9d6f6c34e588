// Starts trafficcop for end-to-end tests: the real origin on free ports, the
// HTTP API on a real socket, fake villa and image beside it.
import { rm } from 'node:fs/promises';
import { createLogger, listen, loadConfig, type RunningServer } from '@bamboo/kit';
import { openEngines, type Engines } from '@bamboo/engines';
import { freePort, signedInit, tempDir, userIdentity, type AsGatewayOptions } from '@bamboo/testing';
import { configShape, type Config } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import type { Trafficcop } from '../../src/trafficcop.js';
import { startFakeImage, type FakeImage } from './fake-image.js';
import { startFakeHomer, type FakeHomer } from './fake-homer.js';
import { startFakeVilla, type FakeVilla } from './fake-villa.js';

export const INTERNAL_KEY = 'test-internal-key-0123456789';
export const OPS = userIdentity('ops-1', ['cdn:admin']);

export interface Harness {
  config: Config;
  trafficcop: Trafficcop;
  villa: FakeVilla;
  image: FakeImage;
  homer: FakeHomer;
  api: string;
  dataDir: string;
  /** rtmp://127.0.0.1:<port>/live/<room>?key=<key> */
  publishUrl(roomId: string, key?: string): string;
  /** fetch against the API, signed as apollo forwarding `options.identity`. */
  call(path: string, options?: AsGatewayOptions): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(
  env: Record<string, string> = {},
  before?: (villa: FakeVilla) => void,
  options: { now?: () => number } = {},
): Promise<Harness> {
  const villa = await startFakeVilla(INTERNAL_KEY);
  const image = await startFakeImage(INTERNAL_KEY);
  const homer = await startFakeHomer(INTERNAL_KEY);
  before?.(villa);
  const dataDir = await tempDir('trafficcop');
  const config = loadConfig(configShape, {
    BAMBOO_INTERNAL_KEY: INTERNAL_KEY,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    MEDIA_HOST: '127.0.0.1',
    RTMP_PORT: String(await freePort()),
    HTTP_FLV_PORT: String(await freePort()),
    VILLA_URL: villa.url,
    IMAGE_URL: image.url,
    HOMER_URL: homer.url,
    PUBLISH_GRACE_MS: '500',
    RELAY_BACKOFF_MIN_MS: '200',
    RELAY_BACKOFF_MAX_MS: '1000',
    RELAY_WATCH_INTERVAL_MS: '200',
    LINE_SYNC_INTERVAL_MS: '1000',
    THUMBNAIL_FIRST_DELAY_MS: '300',
    THUMBNAIL_INTERVAL_MS: '60000',
    ...env,
  });
  const logger = createLogger('trafficcop', config.LOG_LEVEL);
  const engines: Engines = await openEngines(config, 'trafficcop');
  const { app, trafficcop } = createApp({ config, logger, engines, ...options });
  await trafficcop.start();
  const server: RunningServer = await listen('trafficcop', app.fetch, { port: 0, host: '127.0.0.1' });
  const api = `http://127.0.0.1:${server.port}`;
  return {
    config,
    trafficcop,
    villa,
    image,
    homer,
    api,
    dataDir,
    publishUrl: (roomId, key) =>
      `rtmp://127.0.0.1:${config.RTMP_PORT}/live/${roomId}${key === undefined ? '' : `?key=${encodeURIComponent(key)}`}`,
    call: (path, options = {}) => fetch(`${api}${path}`, signedInit(INTERNAL_KEY, path, options)),
    async close() {
      await trafficcop.stop();
      await server.close(1000);
      await engines.close();
      await villa.close();
      await image.close();
      await homer.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
