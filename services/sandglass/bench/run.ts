// sandglass's benchmark: every server and the load generator run in their
// own processes, against a throwaway redis-server. One server runs at a
// time; the targets are measured in interleaved rounds.
// Prints heartbeats/s and p99 for the ceiling (bare http), the floor of this
// stack (bare http + JSON.parse + the same Lua script), sandglass on Redis
// and on memory, and the batched endpoint; then memory per online user and
// the Redis CPU time per heartbeat.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@bamboo/testing/node';
import { cpuMicros, startRedis } from './processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NODE = [process.execPath, '--conditions=source', '--import', 'tsx'] as const;

interface Load {
  requestsPerSec: number;
  heartbeats: number;
  /** CPU time per heartbeat of the server process, and of redis-server, in µs. */
  serverCpuUs: number;
  redisCpuUs: number;
  heartbeatsPerSec: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE[0], [...NODE.slice(1), ...args], { cwd: root, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.pipe(process.stderr);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

async function startServer(file: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(NODE[0], [...NODE.slice(1), file], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${url}/healthz`).then(() => true, () => false)) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${file} did not start`);
}

interface Server {
  url: string;
  child: ChildProcess;
}

interface Target {
  name: string;
  file: string;
  env: Record<string, string>;
  path: string;
  batch: number;
  runs: Load[];
}

/** Starts the target's server alone, warms it up, loads it, and kills it (no final flush to wait for). */
async function measure(target: Target): Promise<Load> {
  const server = await startServer(target.file, target.env);
  const args = (seconds: number) => ['bench/load.ts', server.url + target.path, String(target.batch), String(seconds), String(CONNECTIONS)];
  try {
    await run(args(2));
    const cpu = [cpuMicros(server.child.pid!), cpuMicros(redis.pid)];
    const load = JSON.parse(await run(args(SECONDS))) as Load;
    load.serverCpuUs = (cpuMicros(server.child.pid!) - cpu[0]!) / load.heartbeats;
    load.redisCpuUs = (cpuMicros(redis.pid) - cpu[1]!) / load.heartbeats;
    return load;
  } finally {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
  }
}

/** The run with the median throughput. */
function median(runs: Load[]): Load {
  return [...runs].sort((a, b) => a.heartbeatsPerSec - b.heartbeatsPerSec)[Math.floor(runs.length / 2)]!;
}

const redis = await startRedis();
const dataDir = await mkdtemp(join(tmpdir(), 'sandglass-bench-'));
const sandglassEnv = { BAMBOO_INTERNAL_KEY: 'bench-internal-key-0123456789', DATA_DIR: dataDir };
try {
  console.log(`sandglass bench: ${ROUNDS} interleaved rounds of ${SECONDS} s per target (median shown), ${CONNECTIONS} connections, 100k random users, batch ${BATCH}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
  const onRedisEnv = { ...sandglassEnv, REDIS_URL: redis.url, REDIS_PREFIX: 'bench:sg:' };
  const targets: Target[] = [
    { name: 'bare http, constant (ceiling)', file: 'bench/bare-server.ts', env: {}, path: '/', batch: 1, runs: [] },
    {
      name: 'minimal: http + JSON.parse + Lua (floor)',
      file: 'bench/minimal-server.ts',
      env: { REDIS_URL: redis.url, REDIS_PREFIX: 'bench:min:' },
      path: '/',
      batch: 1,
      runs: [],
    },
    { name: 'sandglass, Redis engine', file: 'src/main.ts', env: onRedisEnv, path: '/v1/presence/heartbeat', batch: 1, runs: [] },
    { name: 'sandglass, memory engine', file: 'src/main.ts', env: sandglassEnv, path: '/v1/presence/heartbeat', batch: 1, runs: [] },
    {
      name: `sandglass, Redis, batches of ${BATCH}`,
      file: 'src/main.ts',
      env: onRedisEnv,
      path: '/v1/presence/heartbeats',
      batch: BATCH,
      runs: [],
    },
  ];
  // Rounds interleave the targets, so a change in machine load hits all alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) target.runs.push(await measure(target));
  }
  console.log('target'.padEnd(42), 'heartbeats/s'.padStart(12), 'p99'.padStart(8), '  CPU µs per heartbeat: server + redis');
  for (const { name, runs } of targets) {
    const m = median(runs);
    const errors = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    console.log(
      name.padEnd(42),
      String(Math.round(m.heartbeatsPerSec)).padStart(12),
      `${m.p99Ms} ms`.padStart(8),
      `  ${m.serverCpuUs.toFixed(1)} + ${m.redisCpuUs.toFixed(1)}`,
      errors > 0 ? `  (non-2xx or errors in ${ROUNDS} runs: ${errors})` : '',
    );
  }
  const [, minimal, onRedis, , batched] = targets.map((t) => median(t.runs));
  const ratio = onRedis!.heartbeatsPerSec / minimal!.heartbeatsPerSec;
  const cpuRatio = minimal!.serverCpuUs / onRedis!.serverCpuUs;
  const batchGain = batched!.heartbeatsPerSec / onRedis!.heartbeatsPerSec;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `sandglass on Redis / minimal baseline: ${ratio.toFixed(2)}x heartbeats/s (target >= 0.8x) ${verdict(ratio >= 0.8)}; ` +
      `by server CPU per heartbeat ${cpuRatio.toFixed(2)}x`,
  );
  console.log(`batched / single heartbeats per second: ${batchGain.toFixed(1)}x (target >= 5x) ${verdict(batchGain >= 5)}`);

  for (const engine of ['memory', 'redis']) {
    const args = engine === 'memory' ? ['--expose-gc', 'bench/memory.ts'] : ['bench/memory.ts'];
    const out = JSON.parse(await run([...args, engine, String(USERS)], { REDIS_URL: redis.url })) as { bytesPerUser: number };
    console.log(`memory per online user, ${engine} engine (${USERS} users): ${Math.round(out.bytesPerUser)} bytes`);
  }
} finally {
  redis.stop();
  await rm(dataDir, { recursive: true, force: true });
}
