// The image service over a real socket, on a temporary data directory, with
// workers run in-process (runWorker) or as real processes (spawnWorker).
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, listen, loadConfig, signatureHeaders } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { tempDir } from '@bamboo/testing';
import { createApp } from '../src/app.js';
import { configShape, type Config } from '../src/config.js';
import type { ImageLimits } from '../src/images/inspect.js';
import { openFsBlobStore } from '../src/stores/blob-store.fs.js';
import { createDocsTaskStore } from '../src/stores/task-store.docs.js';
import { createMasterClient, type MasterClient } from '../src/worker/master-client.js';
import { runWorker, type WorkerOptions } from '../src/worker/worker.js';

export const KEY = 'image-test-internal-key-0123456789';
const logger = createLogger('image-test', 'silent');

export interface Harness {
  url: string;
  dataDir: string;
  config: Config;
  client: MasterClient;
  /** Starts an in-process worker; stopped by close(). */
  worker(options?: { limits?: ImageLimits; onTask?: WorkerOptions['onTask']; id?: string }): void;
  close(): Promise<void>;
}

export async function startImage(env: Record<string, string> = {}): Promise<Harness> {
  const dir = await tempDir('image-e2e');
  const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: KEY, DATA_DIR: dir, LOG_LEVEL: 'silent', ...env });
  const engines = await openEngines(config, 'image');
  const blobs = await openFsBlobStore(join(dir, 'blobs'));
  const tasks = createDocsTaskStore(engines.docs);
  await tasks.init();
  const { app, master } = createApp({ config, logger, engines, tasks, blobs });
  const http = await listen('image', app.fetch, { port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${http.port}`;
  const client = createMasterClient({ baseUrl: url, internalKey: KEY });
  const stop = new AbortController();
  const loops: Promise<void>[] = [];
  const limits = { maxPixels: config.IMAGE_MAX_PIXELS, maxFrames: config.IMAGE_MAX_FRAMES };
  let workers = 0;
  return {
    url,
    dataDir: dir,
    config,
    client,
    worker(options = {}) {
      loops.push(
        runWorker({
          id: options.id ?? `test-worker-${++workers}`,
          client,
          limits: options.limits ?? limits,
          waitMs: 2_000,
          pollMs: 20,
          logger,
          signal: stop.signal,
          ...(options.onTask ? { onTask: options.onTask } : {}),
        }),
      );
    },
    async close() {
      stop.abort();
      master.stopWaiting();
      await Promise.all(loops);
      await http.close(1_000);
      await engines.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const viteNode = join(dirname(createRequire(import.meta.url).resolve('vite-node/package.json')), 'vite-node.mjs');
const serviceRoot = fileURLToPath(new URL('..', import.meta.url));

/** How to run src/worker/main.ts from source as its own OS process. */
export const workerFromSource = { entry: viteNode, args: ['-c', 'vitest.config.ts', 'src/worker/main.ts'], cwd: serviceRoot };

export const workerEnv = (url: string, env: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  BAMBOO_INTERNAL_KEY: KEY,
  IMAGE_URL: url,
  IMAGE_WORKER_POLL_MS: '20',
  LOG_LEVEL: 'silent',
  ...env,
});

/** A worker as its own OS process. */
export function spawnWorker(url: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [workerFromSource.entry, ...workerFromSource.args], {
    cwd: serviceRoot,
    env: workerEnv(url, env),
    stdio: 'ignore',
  });
}

export async function upload(url: string, bytes: Uint8Array, contentType = 'image/jpeg'): Promise<Response> {
  return fetch(`${url}/v1/images`, { method: 'POST', body: bytes, headers: { 'content-type': contentType } });
}

/** A signed internal upload, as villa or trafficcop sends one. */
export async function internalUpload(url: string, pathWithQuery: string, bytes: Uint8Array, caller = 'trafficcop'): Promise<Response> {
  const headers = { 'content-type': 'image/jpeg', ...signatureHeaders(KEY, { method: 'POST', pathWithQuery, body: bytes, caller, timestampMs: Date.now() }) };
  return fetch(url + pathWithQuery, { method: 'POST', body: bytes, headers });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function status(url: string, id: string): Promise<any> {
  return (await fetch(`${url}/v1/images/${id}`)).json();
}

/** Polls the status until `done` says so; gives up after `tries` polls (a bound, not a timing assertion). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function waitFor(url: string, id: string, done: (s: any) => boolean, tries = 4_000): Promise<any> {
  for (let i = 0; i < tries; i++) {
    const s = await status(url, id);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`image ${id} never reached the expected state; last: ${JSON.stringify(await status(url, id))}`);
}

export const settled = (s: { status: string }) => s.status === 'finished' || s.status === 'failed';
