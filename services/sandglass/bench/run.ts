// sandglass's benchmark: every server and the load generator run in their
// own processes, one after the other, against a throwaway redis-server.
// Prints heartbeats/s and p99 for the ceiling (bare http), the floor of this
// stack (bare http + JSON.parse + the same Lua script), sandglass on Redis
// and on memory, and the batched endpoint; then memory per online user.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { mkdtemp } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis } from './processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NODE = [process.execPath, '--conditions=source', '--import', 'tsx'] as const;

interface Load {
  requestsPerSec: number;
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
  server: Server;
  path: string;
  batch: number;
  runs: Load[];
}

async function load(target: Target, seconds: number): Promise<Load> {
  const out = await run(['bench/load.ts', target.server.url + target.path, String(target.batch), String(seconds), String(CONNECTIONS)]);
  return JSON.parse(out) as Load;
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
  const servers = {
    bare: await startServer('bench/bare-server.ts', {}),
    minimal: await startServer('bench/minimal-server.ts', { REDIS_URL: redis.url, REDIS_PREFIX: 'bench:min:' }),
    redis: await startServer('src/main.ts', { ...sandglassEnv, REDIS_URL: redis.url, REDIS_PREFIX: 'bench:sg:' }),
    memory: await startServer('src/main.ts', sandglassEnv),
  };
  const targets: Target[] = [
    { name: 'bare http, constant (ceiling)', server: servers.bare, path: '/', batch: 1, runs: [] },
    { name: 'minimal: http + JSON.parse + Lua (floor)', server: servers.minimal, path: '/', batch: 1, runs: [] },
    { name: 'sandglass, Redis engine', server: servers.redis, path: '/v1/presence/heartbeat', batch: 1, runs: [] },
    { name: 'sandglass, memory engine', server: servers.memory, path: '/v1/presence/heartbeat', batch: 1, runs: [] },
    { name: `sandglass, Redis, batches of ${BATCH}`, server: servers.redis, path: '/v1/presence/heartbeats', batch: BATCH, runs: [] },
  ];
  try {
    for (const target of targets) await load(target, 2); // warm-up (JIT, scripts loaded)
    // Rounds interleave the targets, so a change in machine load hits all alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) target.runs.push(await load(target, SECONDS));
    }
  } finally {
    await Promise.all(
      Object.values(servers).map((s) => {
        const exited = new Promise((r) => s.child.once('exit', r));
        s.child.kill('SIGTERM');
        return exited;
      }),
    );
  }
  for (const { name, runs } of targets) {
    const m = median(runs);
    const errors = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    console.log(
      `${name.padEnd(42)} ${Math.round(m.heartbeatsPerSec).toString().padStart(8)} heartbeats/s   p99 ${m.p99Ms} ms${errors > 0 ? `   (non-2xx or errors: ${errors})` : ''}`,
    );
  }
  const [, minimal, onRedis, , batched] = targets.map((t) => median(t.runs));
  const ratio = onRedis!.heartbeatsPerSec / minimal!.heartbeatsPerSec;
  const batchGain = batched!.heartbeatsPerSec / onRedis!.heartbeatsPerSec;
  console.log(`sandglass on Redis / minimal baseline: ${ratio.toFixed(2)}x (target >= 0.8x) ${ratio >= 0.8 ? 'met' : 'NOT met'}`);
  console.log(`batched / single heartbeats per second: ${batchGain.toFixed(1)}x (target >= 5x) ${batchGain >= 5 ? 'met' : 'NOT met'}`);

  for (const engine of ['memory', 'redis']) {
    const args = engine === 'memory' ? ['--expose-gc', 'bench/memory.ts'] : ['bench/memory.ts'];
    const out = JSON.parse(await run([...args, engine, String(USERS)], { REDIS_URL: redis.url })) as {
      bytesPerUser: number;
      redisUsecPerHeartbeat?: number;
    };
    console.log(`memory per online user, ${engine} engine (${USERS} users): ${Math.round(out.bytesPerUser)} bytes`);
    if (out.redisUsecPerHeartbeat !== undefined) {
      const perCore = Math.round(1e6 / out.redisUsecPerHeartbeat);
      console.log(
        `Redis CPU per heartbeat (script time, batched): ${out.redisUsecPerHeartbeat.toFixed(1)} µs, so one primary takes at most ~${perCore} heartbeats/s`,
      );
    }
  }
} finally {
  redis.stop();
  await rm(dataDir, { recursive: true, force: true });
}
