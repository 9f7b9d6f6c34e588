// Starting apollo for end-to-end tests: real sockets, the embedded document
// store in a temp dir, memory or Redis hot state. Several "nodes" may share
// one document store (as they would share MongoDB) and one Redis.
import { rm } from 'node:fs/promises';
import { afterEach } from 'vitest';
import { openDocumentStore, openHotState, type DocumentStore, type HotState } from '@bamboo/engines';
import { SERVICE_NAMES, createLogger, createServiceApp, listen, loadConfig, verifySignature } from '@bamboo/kit';
import { deleteRedisKeys, tempDir, uniquePrefix } from '@bamboo/testing';
import { assemble, type Apollo } from '../src/apollo.js';
import { createApp } from '../src/app.js';
import { configShape } from '../src/config.js';

export const KEY = 'apollo-test-internal-key-0123';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const DEMO = { id: 'demo-app', secret: 'demo-secret-for-tests' };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
export const onCleanup = (fn: () => Promise<void>) => closers.push(fn);

export interface Shared {
  docs: DocumentStore;
  redisUrl?: string;
  prefix: string;
}

/** Stores that several apollo nodes of one test share. */
export async function sharedStores(redisUrl?: string): Promise<Shared> {
  const dir = await tempDir('apollo');
  const docs = await openDocumentStore({ dataDir: dir, namespace: 'apollo' });
  const prefix = uniquePrefix('apollo');
  onCleanup(async () => {
    await docs.close();
    await rm(dir, { recursive: true, force: true });
    if (redisUrl) await deleteRedisKeys(redisUrl, prefix).catch(() => 0);
  });
  return { docs, prefix, ...(redisUrl ? { redisUrl } : {}) };
}

export interface Node {
  url: string;
  apollo: Apollo;
  hot: HotState;
}

/** One apollo node over `shared` stores (fresh ones when omitted). */
export async function startApollo(env: Record<string, string> = {}, shared?: Shared): Promise<Node> {
  const stores = shared ?? (await sharedStores());
  const config = loadConfig(configShape, {
    BAMBOO_INTERNAL_KEY: KEY,
    LOG_LEVEL: 'silent',
    APOLLO_ADMIN_TOKEN: ADMIN_TOKEN,
    BAMBOO_DEMO_CLIENT_ID: DEMO.id,
    BAMBOO_DEMO_CLIENT_SECRET: DEMO.secret,
    APOLLO_HEALTH_INTERVAL_MS: '0',
    // Services a test does not fake are unreachable, even when a suite runs on the default ports.
    ...Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_URL`, 'http://127.0.0.1:1'])),
    ...env,
  });
  const hot = await openHotState({ ...(stores.redisUrl ? { redisUrl: stores.redisUrl } : {}), keyPrefix: stores.prefix });
  const apollo = assemble(config, { docs: stores.docs, hot }, createLogger('apollo', 'silent'));
  await apollo.start();
  const { app, front } = createApp(apollo, {
    [`hot state (${hot.kind})`]: () => hot.ping(),
    [`documents (${stores.docs.kind})`]: () => stores.docs.ping(),
  });
  const running = await listen('apollo', app.fetch, { port: 0, host: '127.0.0.1' });
  front(running.server);
  onCleanup(async () => {
    await running.close(500);
    await apollo.stop();
    await hot.close();
  });
  return { url: `http://127.0.0.1:${running.port}`, apollo, hot };
}

export interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
  signatureOk: boolean;
}

/** A stand-in service: records what reached it (and whether apollo signed it) and answers like one. */
export async function fakeService(name = 'villa', prefix = '/v1/rooms') {
  const seen: Seen[] = [];
  const gate: { hold?: Promise<void> } = {};
  const { app } = createServiceApp({ service: name, logger: createLogger(name, 'silent'), internalKey: KEY, identityFromGateway: false });
  app.all(`${prefix}/*`, async (c) => {
    const body = await c.req.text();
    const url = new URL(c.req.url);
    const verdict = verifySignature(KEY, {
      method: c.req.method,
      pathWithQuery: url.pathname + url.search,
      body: body ? new TextEncoder().encode(body) : undefined,
      headers: { get: (n) => c.req.header(n) },
      nowMs: Date.now(),
      maxSkewMs: 30_000,
    });
    seen.push({ method: c.req.method, path: url.pathname + url.search, headers: c.req.raw.headers, body, signatureOk: verdict.ok });
    if (c.req.path.endsWith('/slow')) await new Promise((r) => setTimeout(r, 2_000));
    if (c.req.path.endsWith('/held')) await gate.hold;
    return c.json({ room: c.req.path.split('/').at(-1) }, 200);
  });
  const running = await listen(name, app.fetch, { port: 0, host: '127.0.0.1' });
  onCleanup(() => running.close(500));
  return { seen, gate, url: `http://127.0.0.1:${running.port}`, close: () => running.close(0) };
}

/** An OAuth access token for id/secret (HTTP Basic). */
export async function accessToken(base: string, id: string, secret: string, scope?: string): Promise<string> {
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) }),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Admin call with the admin token. */
export async function admin(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A new client through the admin API; returns its id and secret. */
export async function newClient(base: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await admin(base, 'POST', '/admin/clients', { name: 'test client', ...body });
  if (res.status !== 201) throw new Error(`create client: ${res.status} ${await res.text()}`);
  const created = (await res.json()) as { client: { id: string }; secret: string };
  return { id: created.client.id, secret: created.secret };
}
