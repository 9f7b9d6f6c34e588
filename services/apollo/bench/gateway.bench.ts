// apollo's benchmark: throughput and p50/p99 of a trivial upstream called
// directly, through @fastify/http-proxy, through nginx (when installed), and
// through apollo with bearer auth and a limit check on the memory and the
// Redis engine; then apollo's added p99 at half its saturation rate, and the
// isolation of a well-behaved client while another floods at 10x its limit.
// Every server and the load generator (autocannon) run in their own process.
//
//   npm run bench -w services/apollo        (BENCH_SECONDS=5, BENCH_CONNECTIONS=50)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from '@bamboo/testing/node';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
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
}

/** Starts `command`; resolves with the port it prints (or the one given). */
function start(command: string, args: string[], env: Record<string, string>, port?: number): Promise<number> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)));
    if (port !== undefined) return void waitFor(`http://127.0.0.1:${port}/healthz`).then(() => resolve(port), reject);
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim().split('\n')[0])));
  });
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

/** autocannon in its own process; `rate` caps the total request rate. */
function load(url: string, headers: Record<string, string> = {}, rate?: number, seconds = SECONDS): Promise<Result> {
  const args = ['autocannon', '--json', '-c', String(CONNECTIONS), '-d', String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  if (rate) args.push('-R', String(rate));
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.once('exit', () => {
      try {
        const r = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number };
        resolve({ total: r.requests.total, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx });
      } catch (error) {
        reject(error);
      }
    });
  });
}

async function startApollo(upstream: string, extra: Record<string, string>): Promise<{ url: string; token: (limits: object) => Promise<string> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'apollo-bench-'));
  dirs.push(dataDir);
  const port = await freePort();
  await start('node', [join(root, 'dist/main.js')], {
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
  return { url, token };
}

const line = (name: string, r: Result, base?: Result) =>
  `${name.padEnd(34)} ${Math.round(r.rps).toString().padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms` +
  (base ? `   ${(r.rps / base.rps).toFixed(2)}x` : '') +
  (r.non2xx ? `   non-2xx ${r.non2xx}` : '');

async function main(): Promise<void> {
  if (!process.env.BENCH_SKIP_BUILD) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const upstreamPort = await start('node', [join(here, 'upstream.mjs')], {});
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const path = '/v1/rooms/1';
  const unlimited = { limits: { read: { limit: 1_000_000_000, windowSeconds: 60 } } };
  console.log(`apollo benchmark: ${SECONDS} s per run, ${CONNECTIONS} connections, GET ${path}, ${new Date().toISOString()}\n`);

  const direct = await load(upstream + path);
  console.log(line('upstream directly', direct));

  const fastifyPort = await start('node', [join(here, 'fastify-proxy.mjs')], { UPSTREAM: upstream });
  const fastify = await load(`http://127.0.0.1:${fastifyPort}${path}`);
  console.log(line('@fastify/http-proxy (no auth)', fastify, fastify));

  let nginx: Result | undefined;
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    const dir = await mkdtemp(join(tmpdir(), 'nginx-bench-'));
    dirs.push(dir);
    const port = await freePort();
    await writeFile(join(dir, 'nginx.conf'), `worker_processes 1; daemon off; pid ${dir}/pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; upstream u { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`);
    children.push(spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' }));
    await waitFor(`http://127.0.0.1:${port}${path}`);
    nginx = await load(`http://127.0.0.1:${port}${path}`);
    console.log(line('nginx', nginx, fastify));
  } catch {
    console.log(`${'nginx'.padEnd(34)} not installed, skipped`);
  }

  const memory = await startApollo(upstream, {});
  const memToken = await memory.token(unlimited);
  const apolloMemory = await load(memory.url + path, { authorization: `Bearer ${memToken}` });
  console.log(line('apollo, bearer + limit, memory', apolloMemory, fastify));

  let apolloRedis: Result | undefined;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench:apollo:${process.pid}:`;
  try {
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await probe.connect();
    probe.disconnect();
    const redis = await startApollo(upstream, { REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
    const redisToken = await redis.token(unlimited);
    apolloRedis = await load(redis.url + path, { authorization: `Bearer ${redisToken}` });
    console.log(line('apollo, bearer + limit, Redis', apolloRedis, fastify));
  } catch (error) {
    console.log(`${'apollo on Redis'.padEnd(34)} skipped: ${(error as Error).message}`);
  }

  const half = Math.max(1, Math.round(apolloMemory.rps / 2));
  const directHalf = await load(upstream + path, {}, half);
  const apolloHalf = await load(memory.url + path, { authorization: `Bearer ${memToken}` }, half);
  console.log(`\nat ${half} req/s (half of apollo's saturation, memory engine):`);
  console.log(line('  upstream directly', directHalf));
  console.log(line('  apollo', apolloHalf));
  console.log(`  apollo's added p99: ${apolloHalf.p99 - directHalf.p99} ms (target ≤ 2 ms)`);

  // Isolation: A is limited to 100 req/s and sends 1000 req/s; B sends 100 req/s within its limit.
  const perSecond = (n: number) => ({ limits: { read: { limit: n * 60, windowSeconds: 60 } } });
  const tokenA = await memory.token(perSecond(100));
  const tokenB = await memory.token(perSecond(1_000));
  const alone = await load(memory.url + path, { authorization: `Bearer ${tokenB}` }, 100);
  const [flood, beside] = await Promise.all([
    load(memory.url + path, { authorization: `Bearer ${tokenA}` }, 1_000),
    load(memory.url + path, { authorization: `Bearer ${tokenB}` }, 100),
  ]);
  console.log('\nisolation (memory engine): A limited to 100 req/s sends 1000 req/s, B sends 100 req/s');
  console.log(line('  B alone', alone));
  console.log(line('  B beside A', beside));
  console.log(line('  A (flooding)', flood));
  const success = beside.total > 0 ? (((beside.total - beside.non2xx) / beside.total) * 100).toFixed(1) : 'n/a';
  console.log(`  B success ${success}% of ${beside.total}, p99 ${beside.p99} ms vs ${alone.p99} ms alone (target ≤ 2x)`);

  console.log('\ntargets: apollo memory ≥ 1.0x @fastify/http-proxy, Redis ≥ 0.7x');
  console.log(`measured: memory ${(apolloMemory.rps / fastify.rps).toFixed(2)}x${apolloRedis ? `, Redis ${(apolloRedis.rps / fastify.rps).toFixed(2)}x` : ''}${nginx ? `; nginx ${(nginx.rps / fastify.rps).toFixed(2)}x` : ''}`);

  if (apolloRedis) {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
