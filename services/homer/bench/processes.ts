// Processes of the bench: the measured servers (each its own process, with
// a GC hook for clean memory readings), the client and sender processes, and
// what /proc says about them.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TSX = ['--import', 'tsx'];
/** BENCH_CPU_PROF=<dir>: every server writes a V8 CPU profile there when it stops. */
const PROFILE = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

export interface Server {
  pid: number;
  stop(): Promise<void>;
}

/** Starts `file` (TypeScript or dist JavaScript) with `env`; ready once `port` accepts connections. */
export async function startServer(file: string, env: Record<string, string>, port: number): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', ...PROFILE, ...TSX, '--import', './bench/server-hooks.ts', file], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...withoutStores(process.env), ...env, PORT: String(port) },
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    children.delete(child);
  };
  for (let i = 0; i < 300; i++) {
    if (await accepts(port)) return { pid: child.pid!, stop };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await stop();
  throw new Error(`${file} did not start`);
}

/** The bench measures the embedded engines: a REDIS_URL from the caller's shell must not leak in. */
function withoutStores(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _r, MONGO_URL: _m, ...rest } = env;
  return rest;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A forked helper (client.ts, sender.ts) answering one message per command, in order. */
export class Helper<Command, Reply> {
  readonly child: ChildProcess;
  private readonly waiting: Array<(reply: Reply) => void> = [];

  constructor(file: string) {
    this.child = fork(file, [], { cwd: root, execArgv: TSX, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (reply) => this.waiting.shift()?.(reply as Reply));
    children.add(this.child);
  }

  ask<R extends Reply = Reply>(command: Command): Promise<R> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (reply: Reply) => void);
      this.child.send(command as object);
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** Resident memory after a full GC in the process (see server-hooks.ts), in bytes. */
export async function rssAfterGc(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await sleep(1_000);
  return rss(pid);
}

export function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** CPU time (user + system) a process has used so far, in µs (Linux; USER_HZ 100). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
