// apollo's benchmark: throughput and p50/p99 of a trivial upstream called
// directly, through @fastify/http-proxy, through nginx (when installed), and
// through apollo with bearer auth and a limit check on the memory and the
// Redis engine; then apollo's added p99 at half its saturation rate, and the
// isolation of a well-behaved client while another floods at 10x its limit.
// A bare Node proxy (bench/bare-proxy.mjs: node:http and undici, nothing
// else) is the floor of any Node proxy here, and is paced beside apollo with
// nginx. Every server and the load generators run in their own process: autocannon
// for saturation, paced-load.mjs (a steady open-loop rate) for latency at a
// given rate. Saturation runs go in rounds, alternating the proxies, and each
// figure is the best round, so a burst of other work on the machine does not
// decide a ratio.
//
//   npm run bench -w services/apollo   (BENCH_SECONDS=5, BENCH_PACED_SECONDS=10, BENCH_CONNECTIONS=50, BENCH_ROUNDS=2)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from '@bamboo/testing/node';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Paced runs count more requests than a saturation run needs: a p99 of 5 s at half load rests on under 400 of them. */
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ADMIN = 'bench-admin-token-0123456789';
const KEY = 'bench-internal-key-0123456789';
const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Result {
  total: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU time the server under test spent per request (µs), when known. */
  cpuUs?: number;
}

/** Starts `command`; resolves with the port it prints (or the one given) and its pid. */
function start(command: string, args: string[], env: Record<string, string>, port?: number): Promise<{ port: number; pid: number }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const pid = child.pid!;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)));
    if (port !== undefined) return void waitFor(`http://127.0.0.1:${port}/healthz`).then(() => resolve({ port, pid }), reject);
    child.stdout!.once('data', (chunk: Buffer) => resolve({ port: Number(chunk.toString().trim().split('\n')[0]), pid }));
  });
}

/**
 * CPU ms a process used so far (Linux /proc; user + system), undefined elsewhere.
 * CPU per request says what a proxy costs even when other work on the machine
 * takes cores away and makes req/s jump between runs.
 */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

/** Runs `run` and adds the CPU `pid` spent per request. */
async function measured(pid: number | undefined, run: () => Promise<Result>): Promise<Result> {
  const before = pid === undefined ? undefined : cpuMs(pid);
  const result = await run();
  const after = pid === undefined ? undefined : cpuMs(pid);
  if (before === undefined || after === undefined || result.total === 0) return result;
  return { ...result, cpuUs: Math.round(((after - before) * 1000) / result.total) };
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

/** autocannon in its own process, at full speed. */
function load(url: string, headers: Record<string, string> = {}, seconds = SECONDS): Promise<Result> {
  const args = ['autocannon', '--json', '-c', String(CONNECTIONS), '-d', String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  return output('npx', args, (json) => {
    const r = json as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number };
    return { total: r.requests.total, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
  });
}

/** paced-load.mjs in its own process: `rate` requests per second, evenly spread. */
function paced(url: string, rate: number, headers: Record<string, string> = {}, seconds = PACED_SECONDS): Promise<Result> {
  const args = [join(here, 'paced-load.mjs'), url, String(rate), String(seconds), String(CONNECTIONS), JSON.stringify(headers)];
  return output('node', args, (json) => {
    const r = json as { sent: number; non2xx: number; errors: number; rps: number; p50: number; p99: number };
    return { total: r.sent, rps: r.rps, p50: r.p50, p99: r.p99, non2xx: r.non2xx + r.errors };
  });
}

function output(command: string, args: string[], parse: (json: unknown) => Result): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.once('exit', () => {
      try {
        resolve(parse(JSON.parse(out)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

async function startApollo(upstream: string, extra: Record<string, string>): Promise<{ url: string; pid: number; token: (limits: object) => Promise<string> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'apollo-bench-'));
  dirs.push(dataDir);
  const port = await freePort();
  const { pid } = await start('node', [join(root, 'dist/main.js')], {
    PORT: String(port),
    VILLA_URL: upstream,
    BAMBOO_INTERNAL_KEY: KEY,
    APOLLO_ADMIN_TOKEN: ADMIN,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    APOLLO_HEALTH_INTERVAL_MS: '0',
    ...extra,
  }, port);
  const url = `http://127.0.0.1:${port}`;
  const token = async (limits: object) => {
    const created = (await (
      await fetch(`${url}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', plan: 'partner', scopes: ['read'], quotaPerDay: null, concurrency: 10_000, ...limits }),
      })
    ).json()) as { client: { id: string }; secret: string };
    const issued = (await (
      await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.client.id, client_secret: created.secret }),
      })
    ).json()) as { access_token: string };
    return issued.access_token;
  };
  return { url, pid, token };
}

const ms = (v: number) => String(v).padStart(5);
const line = (name: string, r: Result, base?: Result) =>
  `${name.padEnd(34)} ${Math.round(r.rps).toString().padStart(7)} req/s   p50 ${ms(r.p50)} ms   p99 ${ms(r.p99)} ms` +
  (base ? `   ${(r.rps / base.rps).toFixed(2)}x` : '') +
  (r.cpuUs !== undefined ? `   ${r.cpuUs} µs CPU/req` : '') +
  (r.non2xx ? `   non-2xx ${r.non2xx}` : '');

/** The best of several rounds of one target: the highest throughput, or the lowest p99 at a set rate. */
const best = (results: Result[]) => results.reduce((a, b) => (b.rps > a.rps ? b : a));
const calmest = (results: Result[]) => results.reduce((a, b) => (b.p99 < a.p99 ? b : a));
const p99s = (results: Result[]) => results.map((r) => r.p99).join(' / ');

async function startNginx(upstreamPort: number): Promise<string | undefined> {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'nginx-bench-'));
  dirs.push(dir);
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), `worker_processes 1; daemon off; pid ${dir}/pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir};
  upstream u { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`);
  children.push(spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' }));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url + '/');
  return url;
}

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function main(): Promise<void> {
  if (!process.env.BENCH_SKIP_BUILD) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const { port: upstreamPort, pid: upstreamPid } = await start('node', [join(here, 'upstream.mjs')], {});
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const path = '/v1/rooms/1';
  const unlimited = { limits: { read: { limit: 1_000_000_000, windowSeconds: 60 } } };
  const load1 = loadavg()[0]!.toFixed(1);
  console.log(`apollo benchmark: ${SECONDS} s per saturation run, ${PACED_SECONDS} s per paced run (after 3 s uncounted), ${CONNECTIONS} connections, GET ${path}, best of ${ROUNDS} rounds, load average ${load1}, ${new Date().toISOString()}\n`);

  const { port: fastifyPort, pid: fastifyPid } = await start('node', [join(here, 'fastify-proxy.mjs')], { UPSTREAM: upstream });
  const fastifyProxy = `http://127.0.0.1:${fastifyPort}`;
  const { port: barePort, pid: barePid } = await start('node', [join(here, 'bare-proxy.mjs')], { UPSTREAM: upstream });
  const bare = `http://127.0.0.1:${barePort}`;
  const nginx = await startNginx(upstreamPort);
  const memory = await startApollo(upstream, {});
  const memAuth = { authorization: `Bearer ${await memory.token(unlimited)}` };
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench:apollo:${process.pid}:`;
  const onRedis = (await redisAnswers(redisUrl)) ? await startApollo(upstream, { REDIS_URL: redisUrl, REDIS_PREFIX: prefix }) : undefined;
  const redisAuth: Record<string, string> = onRedis ? { authorization: `Bearer ${await onRedis.token(unlimited)}` } : {};

  const targets: Array<{ name: string; url: string; headers?: Record<string, string>; pid?: number }> = [
    { name: 'upstream directly', url: upstream + path, pid: upstreamPid },
    { name: '@fastify/http-proxy (no auth)', url: fastifyProxy + path, pid: fastifyPid },
    { name: 'bare Node proxy (floor)', url: bare + path, pid: barePid },
    ...(nginx ? [{ name: 'nginx', url: nginx + path }] : []),
    { name: 'apollo, bearer + limit, memory', url: memory.url + path, headers: memAuth, pid: memory.pid },
    ...(onRedis ? [{ name: 'apollo, bearer + limit, Redis', url: onRedis.url + path, headers: redisAuth, pid: onRedis.pid }] : []),
  ];
  // Warm-up: the JIT and the connection pools, so no round measures them.
  for (const target of targets) await load(target.url, target.headers, 2);
  const rounds = new Map<string, Result[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) rounds.get(target.name)!.push(await measured(target.pid, () => load(target.url, target.headers)));
  }
  const results = new Map([...rounds].map(([name, r]) => [name, best(r)]));
  const fastify = results.get('@fastify/http-proxy (no auth)')!;
  const apolloMemory = results.get('apollo, bearer + limit, memory')!;
  const apolloRedis = results.get('apollo, bearer + limit, Redis');
  for (const target of targets) {
    const base = target.name === 'upstream directly' ? undefined : fastify;
    const all = rounds.get(target.name)!.map((r) => Math.round(r.rps)).join(' / ');
    console.log(`${line(target.name, results.get(target.name)!, base)}   (rounds: ${all})`);
  }
  if (!nginx) console.log(`${'nginx'.padEnd(34)} not installed, skipped`);
  if (!onRedis) console.log(`${'apollo on Redis'.padEnd(34)} skipped: no Redis at ${redisUrl}`);

  // Latency runs alternate too, and each figure is the round with the lowest p99.
  const half = Math.max(1, Math.round(apolloMemory.rps / 2));
  // The references at the same rate: fastify (a tuned Node proxy), the bare
  // Node proxy (what the Node HTTP stack alone adds here) and nginx (C).
  const paces = [
    { name: 'upstream directly', url: upstream + path, headers: {} },
    { name: 'apollo', url: memory.url + path, headers: memAuth },
    { name: '@fastify/http-proxy (reference)', url: fastifyProxy + path, headers: {} },
    { name: 'bare Node proxy (floor)', url: bare + path, headers: {} },
    ...(nginx ? [{ name: 'nginx (reference)', url: nginx + path, headers: {} }] : []),
  ];
  const halfRounds = new Map<string, Result[]>(paces.map((p) => [p.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of paces) halfRounds.get(p.name)!.push(await paced(p.url, half, p.headers));
  }
  const halfBest = new Map([...halfRounds].map(([name, r]) => [name, calmest(r)]));
  const directHalf = halfBest.get('upstream directly')!;
  console.log(`\nat ${half} req/s, evenly paced (half of apollo's saturation, memory engine), lowest p99 of ${ROUNDS} rounds:`);
  for (const p of paces) console.log(`${line(`  ${p.name}`, halfBest.get(p.name)!)}   (p99s: ${p99s(halfRounds.get(p.name)!)})`);
  const added = (name: string) => `${(halfBest.get(name)!.p99 - directHalf.p99).toFixed(2)} ms`;
  console.log(`  added p99: apollo ${added('apollo')} (target ≤ 2 ms); fastify ${added('@fastify/http-proxy (reference)')}; bare Node proxy ${added('bare Node proxy (floor)')}${nginx ? `; nginx ${added('nginx (reference)')}` : ''}`);

  // Isolation: A is limited to 100 req/s and sends 1000 req/s; B sends 100 req/s within its limit.
  const perSecond = (n: number) => ({ limits: { read: { limit: n * 60, windowSeconds: 60 } } });
  const authA = { authorization: `Bearer ${await memory.token(perSecond(100))}` };
  const authB = { authorization: `Bearer ${await memory.token(perSecond(1_000))}` };
  const isolation = { alone: [] as Result[], beside: [] as Result[], flood: [] as Result[] };
  for (let round = 0; round < ROUNDS; round++) {
    isolation.alone.push(await paced(memory.url + path, 100, authB));
    const [flooding, besideA] = await Promise.all([paced(memory.url + path, 1_000, authA), paced(memory.url + path, 100, authB)]);
    isolation.flood.push(flooding);
    isolation.beside.push(besideA);
  }
  const alone = calmest(isolation.alone);
  const beside = calmest(isolation.beside);
  const flood = isolation.flood[isolation.beside.indexOf(beside)]!;
  console.log(`\nisolation (memory engine, paced, lowest p99 of ${ROUNDS} rounds): A limited to 100 req/s sends 1000 req/s, B sends 100 req/s`);
  console.log(`${line('  B alone', alone)}   (p99s: ${p99s(isolation.alone)})`);
  console.log(`${line('  B beside A', beside)}   (p99s: ${p99s(isolation.beside)})`);
  console.log(line('  A (flooding; non-2xx are its 429s)', flood));
  // Success counts every round: a single failed request of B anywhere shows.
  const besideAll = isolation.beside.reduce((a, r) => ({ total: a.total + r.total, non2xx: a.non2xx + r.non2xx }), { total: 0, non2xx: 0 });
  const success = besideAll.total > 0 ? (((besideAll.total - besideAll.non2xx) / besideAll.total) * 100).toFixed(1) : 'n/a';
  const ratio = alone.p99 > 0 ? (beside.p99 / alone.p99).toFixed(2) : 'n/a';
  console.log(`  B success ${success}% of ${besideAll.total}, p99 ${beside.p99} ms vs ${alone.p99} ms alone = ${ratio}x (target 100%, ≤ 2x)`);

  console.log('\ntargets: apollo memory ≥ 1.0x @fastify/http-proxy, Redis ≥ 0.7x');
  const cpuRatio = (r?: Result) => (r?.cpuUs && fastify.cpuUs ? ` (CPU per request ${(r.cpuUs / fastify.cpuUs).toFixed(2)}x fastify's)` : '');
  console.log(`measured: memory ${(apolloMemory.rps / fastify.rps).toFixed(2)}x${cpuRatio(apolloMemory)}${apolloRedis ? `, Redis ${(apolloRedis.rps / fastify.rps).toFixed(2)}x${cpuRatio(apolloRedis)}` : ''}${nginx && results.get('nginx') ? `; nginx ${(results.get('nginx')!.rps / fastify.rps).toFixed(2)}x` : ''}`);

  if (onRedis) {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  // Every server gets SIGTERM and 5 s to stop gracefully; one that does not is named and killed.
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise((r) => c.once('exit', r)));
  for (const child of running) child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const child of running.filter((c) => c.exitCode === null && c.signalCode === null)) {
      console.error(`did not stop within 5 s of SIGTERM, killed: ${child.spawnargs.join(' ')}`);
      child.kill('SIGKILL');
    }
  }, 5_000);
  await Promise.all(exited);
  clearTimeout(timer);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
