// `npm run bench -w services/magi`: a burst of gifts from 1,000 senders into
// one room, on the embedded engines and on Redis (when one answers), measured
// two ways in one run:
//   - over HTTP: magi as deployed (dist/main.js, its own process) answering
//     POST /v1/gifts/sends signed as apollo forwards them; the load generator
//     (loadgen.ts) runs in its own process(es) with requests signed before
//     the clock starts, over keep-alive undici Pool connections;
//   - in process: the same sendGift path without HTTP (rules, bank, ledger
//     acknowledgement), which is what a gift costs magi's own code.
// Each prints gifts/s accepted, p50/p99 latency and magi's CPU per gift,
// then the reconciliation after the burst. Baselines from the same run: the
// same number of bare document-store $inc updates (one write per gift, as a
// naive design would do); the load generator's own ceiling — the same
// prepared requests answered by a bare Node HTTP server in its own process;
// and the kit's floor — the same requests answered by a kit service app with
// magi's send route and schema but no store (kit-floor.ts), on the Hono path
// and on the kit's direct route (magi's, so the ratio to it).
// Broadcasting is off unless BENCH_BROADCAST=on: it runs after the acknowledgement.
//
// BENCH_GIFTS (20000), BENCH_CONNECTIONS (64, also the in-process in-flight
// count), BENCH_LOADGENS (1 process), BENCH_CPU_PROF=<dir> (write a
// --cpu-prof profile of each magi server process and thread there),
// BENCH_BROADCAST=on (broadcast every gift to a stand-in homer), BENCH_ONLY=redis-http
// (while iterating: only the Redis engine over HTTP, after the baselines).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { createLogger, loadConfig } from '@bamboo/kit';
import { openDocumentStore, openEngines } from '@bamboo/engines';
import { deleteRedisKeys, freePort, signedInit, tempDir } from '@bamboo/testing/node';
import { configShape } from '../src/config.js';
import { sendGift } from '../src/gifting/send.js';
import { topUp } from '../src/gifting/wallets.js';
import { openMagi } from '../src/magi.js';
import type { LoadPlan, LoadResult } from './loadgen.js';

const SENDERS = 1_000;
const GIFTS = Number(process.env.BENCH_GIFTS ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const LOADGENS = Number(process.env.BENCH_LOADGENS ?? 1);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const ONLY_REDIS_HTTP = process.env.BENCH_ONLY === 'redis-http';
const KEY = 'magi-bench-internal-key-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
const BARE_SERVER = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const KIT_FLOOR = fileURLToPath(new URL('./kit-floor.ts', import.meta.url));
// Every process loads the workspace packages as built (dist/), as magi does.
const TS_NODE = ['--import', 'tsx'];
const GIFT = { name: 'Rose', price: 1, experience: 1, weight: 1, iconImageId: null, effectLevel: 0, sortOrder: 0, active: true };

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  /** Answers other than the one expected, by status. */
  refused: Record<string, number>;
  /** CPU time of the server process per request, when it runs apart. */
  cpuUsPerGift?: number;
  /** Over HTTP: CPU time of the load generator(s) per request, and of Redis per gift (the same two cores). */
  loadgenCpuUs?: number;
  redisCpuUs?: number;
}

interface Report {
  ok: boolean;
  entries: number;
  differenceCount: number;
}

function summarize(latencies: number[], seconds: number, accepted: number, refused: Record<string, number>): Figures {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: accepted / seconds, p50: at(0.5), p99: at(0.99), refused };
}

/** In process: GIFTS calls of `one`, CONNECTIONS at a time, each sender in turn. */
async function burst(one: (sender: string) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < GIFTS; i = next++) {
        const t = performance.now();
        await one(`sender-${i % SENDERS}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summarize(latencies, (performance.now() - started) / 1000, GIFTS, {});
}

/** Over HTTP: the load generator processes, started together once all are ready. */
async function loadHttp(origin: string, serverPid: number): Promise<Figures> {
  const perProcess = Math.ceil(GIFTS / LOADGENS);
  const generators = Array.from({ length: LOADGENS }, (_, g) => {
    const plan: LoadPlan = {
      origin,
      key: KEY,
      from: g * perProcess,
      to: Math.min(GIFTS, (g + 1) * perProcess),
      senders: SENDERS,
      connections: Math.max(1, Math.round(CONNECTIONS / LOADGENS)),
    };
    return fork(LOADGEN, [JSON.stringify(plan)], { execArgv: TS_NODE });
  });
  const message = (child: ChildProcess, type: string) =>
    new Promise<{ type: string; result?: LoadResult }>((resolve, reject) => {
      child.on('message', (m: { type: string; result?: LoadResult }) => m.type === type && resolve(m));
      child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before '${type}'`)));
    });
  await Promise.all(generators.map((g) => message(g, 'ready')));
  const done = generators.map((g) => message(g, 'done'));
  const cpuBefore = cpuMicros(serverPid);
  const redisBefore = await redisCpuMicros();
  for (const g of generators) g.send('go');
  const results = (await Promise.all(done)).map((m) => m.result!);
  const cpu = cpuMicros(serverPid) - cpuBefore;
  const redisCpu = (await redisCpuMicros()) - redisBefore;
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  const { '201': accepted = 0, ...refused } = statuses;
  const seconds = (Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000;
  return {
    ...summarize(results.flatMap((r) => r.latenciesMs), seconds, accepted, refused),
    cpuUsPerGift: cpu / GIFTS,
    loadgenCpuUs: results.reduce((sum, r) => sum + r.cpuUs, 0) / GIFTS,
    redisCpuUs: redisCpu / GIFTS,
  };
}

/** CPU time Redis has used so far, in µs (INFO cpu; includes anyone else's use of the same Redis); NaN without Redis. */
async function redisCpuMicros(): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('cpu');
    const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
    return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
  } catch {
    return Number.NaN;
  } finally {
    redis.disconnect();
  }
}

/** CPU time (user + system) a process has used so far, in µs, from /proc (Linux; USER_HZ 100). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function fakeVilla(): Promise<{ url: string; close(): void }> {
  const room = { roomId: 'big', anchorId: 'star', categoryId: 'music', shortId: '1', title: 'big room', live: true, sessionId: 'live-1', closed: false };
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(room)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** A stand-in homer that accepts every broadcast, one per call or a batch (BENCH_BROADCAST=on); `posts` counts gifts. */
async function fakeHomer(): Promise<{ url: string; posts: () => number; close(): void }> {
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer =
        req.url === '/internal/broadcast/rooms'
          ? { seqs: (JSON.parse(Buffer.concat(chunks).toString()) as { messages: unknown[] }).messages.map(() => ++posts) }
          : { seq: ++posts };
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts: () => posts, close: () => server.close() };
}

interface Engine {
  name: string;
  redisPrefix?: string;
}

function env(engine: Engine, dataDir: string, villaUrl: string, port = 0): Record<string, string> {
  return {
    BAMBOO_INTERNAL_KEY: KEY,
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    VILLA_URL: villaUrl,
    ...(homer ? { MAGI_BROADCAST: 'on', HOMER_URL: homer.url } : { MAGI_BROADCAST: 'off' }),
    PORT: String(port),
    // Requests are signed before the burst; on a loaded machine a burst can
    // outlast the default 30 s window. Checking a signature costs the same.
    INTERNAL_SIGNATURE_MAX_SKEW_MS: '600000',
    ...(engine.redisPrefix ? { REDIS_URL, REDIS_PREFIX: engine.redisPrefix } : {}),
  };
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
  });
  print(`${engine.name}, in process`, figures, await magi.reconcile());
  await magi.close();
  await engines.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** Starts a server process and waits until /healthz answers. */
async function startServer(args: string[], env: Record<string, string>): Promise<{ origin: string; child: ChildProcess; pool: Pool }> {
  const port = await freePort();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL')); // a failed bench leaves no server behind
  const origin = `http://127.0.0.1:${port}`;
  const pool = new Pool(origin, { connections: 8 });
  for (let i = 0; ; i++) {
    const res = await pool.request({ method: 'GET', path: '/healthz' }).catch(() => null);
    await res?.body.dump();
    if (res && res.statusCode < 300) return { origin, child, pool };
    if (i > 300 || child.exitCode !== null) throw new Error(`${args.join(' ')} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopServer(server: { child: ChildProcess; pool: Pool }): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
  await server.pool.close();
}

async function overHttp(engine: Engine, villaUrl: string): Promise<void> {
  const dataDir = await tempDir('magi-bench-http');
  // One directory per run: each of magi's threads (the ledger thread too) writes its own profile there.
  const profile = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}/magi-${engine.redisPrefix ? 'redis' : 'embedded'}-${Date.now()}`] : [];
  const server = await startServer([...profile, MAIN], env(engine, dataDir, villaUrl));
  const signed = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const init = signedInit(KEY, path, { method, body });
    const res = await server.pool.request({ method: method as 'POST', path, headers: init.headers as Record<string, string>, body: init.body as string | undefined });
    const answer = await res.body.json();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(answer)}`);
    return answer;
  };
  await signed('PUT', '/v1/gifts/rose', GIFT);
  await signed('PUT', '/v1/gifts/shelves/music', { items: [{ giftId: 'rose' }] });
  for (let s = 0; s < SENDERS; s++) await signed('POST', '/internal/wallets/topups', { key: `pay-${s}`, uid: `sender-${s}`, amount: GIFTS });
  const figures = await loadHttp(server.origin, server.child.pid!);
  const report = (await signed('POST', '/internal/reconciliation')) as Report;
  print(`${engine.name}, over HTTP`, figures, report);
  await stopServer(server);
  await rm(dataDir, { recursive: true, force: true });
}

async function httpBaseline(label: string, file: string, env: Record<string, string> = {}): Promise<number> {
  const server = await startServer([...TS_NODE, file], { BAMBOO_INTERNAL_KEY: KEY, INTERNAL_SIGNATURE_MAX_SKEW_MS: '600000', ...env });
  const figures = await loadHttp(server.origin, server.child.pid!);
  console.log(`baseline: the same ${GIFTS} prepared requests to ${label}: ${line(figures)}`);
  await stopServer(server);
  return figures.perSecond;
}

async function incBaseline(): Promise<void> {
  const dir = await tempDir('magi-bench-baseline');
  const store = await openDocumentStore({ dataDir: dir, namespace: 'baseline', mongoDb: 'unused' });
  const wallets = store.collection<{ _id: string; balance: number }>('wallets');
  const figures = await burst(async (sender) => {
    await wallets.updateOne({ _id: sender }, { $inc: { balance: -1 } }, { upsert: true });
  });
  console.log(`baseline: ${GIFTS} bare embedded document-store $inc updates: ${line(figures)}`);
  await store.close();
  await rm(dir, { recursive: true, force: true });
  incRate = figures.perSecond;
}

let incRate = 0;
let bareHttpRate = 0;
let kitFloorRate = 0;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function line(f: Figures): string {
  const refused = Object.entries(f.refused).map(([status, n]) => `${n}×${status}`);
  return (
    `${fmt(f.perSecond)}/s, p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms` +
    (f.cpuUsPerGift === undefined ? '' : `, server CPU ${fmt(f.cpuUsPerGift)} µs/request`) +
    (f.loadgenCpuUs === undefined ? '' : ` (load generator ${fmt(f.loadgenCpuUs)} µs, Redis ${fmt(f.redisCpuUs ?? Number.NaN)} µs)`) +
    (refused.length > 0 ? `, NOT ACCEPTED: ${refused.join(' ')}` : '')
  );
}

function print(label: string, f: Figures, report: Report): void {
  const ratios = [`${(f.perSecond / incRate).toFixed(2)}× $inc`];
  if (f.cpuUsPerGift !== undefined) {
    ratios.push(`${(f.perSecond / bareHttpRate).toFixed(2)}× bare HTTP`, `${(f.perSecond / kitFloorRate).toFixed(2)}× kit floor`);
  }
  console.log(
    `${label}: ${line(f).replace('/s', ` gifts/s (${ratios.join(', ')})`)}; ` +
      `reconciliation: ${report.ok ? 'ok' : 'DIFFERENCES'} (${report.entries} ledger entries, ${report.differenceCount} differences)`,
  );
}

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const villa = await fakeVilla();
const homer = process.env.BENCH_BROADCAST === 'on' ? await fakeHomer() : undefined;
console.log(`magi burst: ${GIFTS} gifts from ${SENDERS} senders into one room; ${CONNECTIONS} in flight (HTTP: connections over ${LOADGENS} load generator process(es))`);
await incBaseline();
bareHttpRate = await httpBaseline("a bare Node HTTP server (the load generator's ceiling)", BARE_SERVER);
await httpBaseline('a kit service app with the send route on the Hono path and no store', KIT_FLOOR);
kitFloorRate = await httpBaseline("a kit service app with the send route on the kit's direct route, as magi has it, and no store (the kit floor)", KIT_FLOOR, {
  KIT_FLOOR_ROUTE: 'direct',
});
const engines: Engine[] = ONLY_REDIS_HTTP ? [] : [{ name: 'embedded (memory + nedb)' }];
if (await redisAnswers()) engines.push({ name: 'Redis + nedb', redisPrefix: `bench:magi:${process.pid}:` });
else console.log(`Redis engine skipped: nothing answers at ${REDIS_URL}`);
for (const engine of engines) {
  if (!ONLY_REDIS_HTTP) await inProcess(engine, villa.url);
  if (engine.redisPrefix) await deleteRedisKeys(REDIS_URL, engine.redisPrefix);
  await overHttp(engine, villa.url);
  if (engine.redisPrefix) await deleteRedisKeys(REDIS_URL, engine.redisPrefix);
}
villa.close();
if (homer) console.log(`broadcasts posted to the stand-in homer: ${homer.posts()}`);
homer?.close();
process.exit(0);
