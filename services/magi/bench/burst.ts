// `npm run bench -w services/magi`: a burst of gifts from 1,000 senders into
// one room, on the embedded engines and on Redis (when one answers), measured
// two ways in one run:
//   - through HTTP: magi as deployed (dist/main.js, its own process), signed
//     requests as apollo sends them over keep-alive connections;
//   - in process: the same sendGift path without HTTP (rules, bank, ledger
//     acknowledgement), which is what a gift costs magi itself.
// Each prints gifts/s accepted and p50/p99 latency, then the reconciliation
// after the burst. The baseline, measured in the same run: the same number of
// bare document-store $inc updates (one per gift, as a naive design would do),
// and for the HTTP runs the same signed requests answered by a bare Node HTTP
// server in its own process (what HTTP alone costs on this machine).
// Broadcasting is off here: it runs after the acknowledgement and needs homer.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Agent, fetch as undiciFetch } from 'undici';
import { createLogger, identityHeaders, loadConfig, signatureHeaders } from '@bamboo/kit';
import { openDocumentStore, openEngines } from '@bamboo/engines';
import { freePort, tempDir } from '@bamboo/testing/node';
import { configShape } from '../src/config.js';
import { sendGift } from '../src/gifting/send.js';
import { topUp } from '../src/gifting/wallets.js';
import { openMagi } from '../src/magi.js';

const SENDERS = 1_000;
const GIFTS = Number(process.env.BENCH_GIFTS ?? 20_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);
const KEY = 'magi-bench-internal-key-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const GIFT = { name: 'Rose', price: 1, experience: 1, weight: 1, iconImageId: null, effectLevel: 0, sortOrder: 0, active: true };

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  refused: number;
}

/** Runs `GIFTS` calls of `one`, IN_FLIGHT at a time, each sender in turn. */
async function burst(one: (sender: string, i: number) => Promise<boolean>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let i = next++; i < GIFTS; i = next++) {
        const t = performance.now();
        if (!(await one(`sender-${i % SENDERS}`, i))) refused++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { perSecond: (GIFTS - refused) / seconds, p50: at(0.5), p99: at(0.99), refused };
}

async function fakeVilla(): Promise<{ url: string; close(): void }> {
  const room = { roomId: 'big', anchorId: 'star', categoryId: 'music', shortId: '1', title: 'big room', live: true, sessionId: 'live-1', closed: false };
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(room)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function env(engine: Engine, dataDir: string, villaUrl: string, port = 0): Record<string, string> {
  return {
    BAMBOO_INTERNAL_KEY: KEY,
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    VILLA_URL: villaUrl,
    MAGI_BROADCAST: 'off',
    PORT: String(port),
    ...(engine.redisPrefix ? { REDIS_URL, REDIS_PREFIX: engine.redisPrefix } : {}),
  };
}

interface Engine {
  name: string;
  redisPrefix?: string;
}

async function inProcess(engine: Engine, villaUrl: string): Promise<void> {
  const dataDir = await tempDir('magi-bench');
  const config = loadConfig(configShape, env(engine, dataDir, villaUrl));
  const logger = createLogger('magi', 'silent');
  const engines = await openEngines(config, 'magi');
  const magi = await openMagi({ config, logger, engines });
  await magi.catalog.put('rose', GIFT);
  await magi.catalog.putShelf('music', [{ giftId: 'rose', from: null, until: null }]);
  for (let s = 0; s < SENDERS; s++) await topUp(magi.wallets, { key: `pay-${s}`, uid: `sender-${s}`, amount: GIFTS });
  const figures = await burst(async (sender) => {
    await sendGift(magi.send, { requestId: randomUUID(), roomId: 'big', fromUid: sender, toUid: 'star', giftId: 'rose', count: 1 });
    return true;
  });
  const report = await magi.reconcile();
  print(`${engine.name}, in process`, figures, report);
  await magi.close();
  await engines.close();
  await rm(dataDir, { recursive: true, force: true });
}

async function overHttp(engine: Engine, villaUrl: string): Promise<void> {
  const dataDir = await tempDir('magi-bench-http');
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env(engine, dataDir, villaUrl, port) }, stdio: 'inherit' });
  const base = `http://127.0.0.1:${port}`;
  const agent = new Agent({ connections: IN_FLIGHT, pipelining: 1 });
  const call = (path: string, init: RequestInit) =>
    undiciFetch(base + path, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1]);
  for (let i = 0; ; i++) {
    if ((await call('/readyz', {}).catch(() => null))?.status === 200) break;
    if (i > 300) throw new Error('magi did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const signed = (path: string, body: unknown, uid?: string) =>
    call(path, signedInit(path, path.includes('gifts/rose') || path.includes('shelves') ? 'PUT' : 'POST', body, uid));
  await signed('/v1/gifts/rose', GIFT);
  await signed('/v1/gifts/shelves/music', { items: [{ giftId: 'rose' }] });
  for (let s = 0; s < SENDERS; s++) await (await signed('/v1/wallets/topups', { key: `pay-${s}`, uid: `sender-${s}`, amount: GIFTS })).arrayBuffer();
  const figures = await burst(async (sender) => {
    const res = await signed('/v1/gifts/sends', { requestId: randomUUID(), roomId: 'big', toUid: 'star', giftId: 'rose', count: 1 }, sender);
    await res.arrayBuffer();
    return res.status === 201;
  });
  const report = (await (await signed('/internal/reconciliation', undefined)).json()) as { ok: boolean; entries: number; differenceCount: number };
  print(`${engine.name}, over HTTP`, figures, report, bareHttpRate);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await agent.close();
  await rm(dataDir, { recursive: true, force: true });
}

const BARE_SERVER = `
const { createServer } = require('node:http');
createServer((req, res) => {
  let n = 0;
  req.on('data', (c) => (n += c.length));
  req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, n })));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.send && process.send('up'));
`;

async function bareHttpBaseline(): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => child.once('message', r));
  const agent = new Agent({ connections: IN_FLIGHT, pipelining: 1 });
  const path = '/v1/gifts/sends';
  const figures = await burst(async (sender) => {
    const init = signedInit(path, 'POST', { requestId: randomUUID(), roomId: 'big', toUid: 'star', giftId: 'rose', count: 1 }, sender);
    const res = await undiciFetch(`http://127.0.0.1:${port}${path}`, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1]);
    await res.arrayBuffer();
    return res.status === 201;
  });
  console.log(`baseline: the same ${GIFTS} signed POSTs to a bare Node HTTP server: ${fmt(figures.perSecond)}/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms`);
  child.kill('SIGTERM');
  await agent.close();
  return figures.perSecond;
}

async function baseline(): Promise<void> {
  const dir = await tempDir('magi-bench-baseline');
  const store = await openDocumentStore({ dataDir: dir, namespace: 'baseline', mongoDb: 'unused' });
  const wallets = store.collection<{ _id: string; balance: number }>('wallets');
  const figures = await burst(async (sender) => {
    await wallets.updateOne({ _id: sender }, { $inc: { balance: -1 } }, { upsert: true });
    return true;
  });
  console.log(`baseline: ${GIFTS} bare embedded document-store $inc updates: ${fmt(figures.perSecond)}/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms`);
  await store.close();
  await rm(dir, { recursive: true, force: true });
  baselineRate = figures.perSecond;
}

let baselineRate = 0;
let bareHttpRate = 0;

function print(label: string, f: Figures, report: { ok: boolean; entries: number; differenceCount: number }, httpRate?: number): void {
  const versusHttp = httpRate ? `, ${(f.perSecond / httpRate).toFixed(2)}× bare HTTP` : '';
  console.log(
    `${label}: ${fmt(f.perSecond)} gifts/s accepted (${(f.perSecond / baselineRate).toFixed(2)}× the $inc baseline${versusHttp}), ` +
      `p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, refused ${f.refused}; ` +
      `reconciliation: ${report.ok ? 'ok' : 'DIFFERENCES'} (${report.entries} ledger entries, ${report.differenceCount} differences)`,
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function signedInit(path: string, method: string, body: unknown, uid?: string): RequestInit {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return {
    method,
    ...(text === undefined ? {} : { body: text }),
    headers: {
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      ...(uid ? identityHeaders({ method: 'user-token', userId: uid, scopes: [] }) : {}),
      ...signatureHeaders(KEY, { method, pathWithQuery: path, body: text, caller: 'apollo', timestampMs: Date.now() }),
    },
  };
}

async function withRedis<R>(fn: (redis: Redis) => Promise<R>): Promise<R | undefined> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await fn(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  await withRedis(async (redis) => {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
    }
  });
}

const villa = await fakeVilla();
console.log(`magi burst: ${GIFTS} gifts from ${SENDERS} senders into one room, ${IN_FLIGHT} in flight`);
await baseline();
bareHttpRate = await bareHttpBaseline();
const engines: Engine[] = [{ name: 'embedded (memory + nedb)' }];
const redisUp = (await withRedis((r) => r.ping())) === 'PONG';
if (redisUp) engines.push({ name: 'Redis + nedb', redisPrefix: `bench:magi:${process.pid}:` });
else console.log(`Redis engine skipped: nothing answers at ${REDIS_URL}`);
for (const engine of engines) {
  await inProcess(engine, villa.url);
  if (engine.redisPrefix) await deleteRedisKeys(engine.redisPrefix);
  await overHttp(engine, villa.url);
  if (engine.redisPrefix) await deleteRedisKeys(engine.redisPrefix);
}
villa.close();
process.exit(0);
