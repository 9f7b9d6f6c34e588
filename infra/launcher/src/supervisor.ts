// Keeps one child process per service running: restarts a crashed child with
// exponential backoff, and gives up (reporting the service) when one crashes
// too often — CRASH_LIMIT times within CRASH_WINDOW_MS — as upstart would.
import { spawn, type ChildProcess } from 'node:child_process';
import { pipeLines } from './output.js';

export const CRASH_LIMIT = 5;
export const CRASH_WINDOW_MS = 60_000;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ChildSpec {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

interface Supervised {
  spec: ChildSpec;
  process?: ChildProcess;
  crashes: number[];
  restartTimer?: NodeJS.Timeout;
}

export interface SupervisorEvents {
  log(message: string): void;
  prefix(name: string): string;
  /** A service crashed too often; the launcher stops everything. */
  gaveUp(name: string): void;
}

export class Supervisor {
  private readonly children = new Map<string, Supervised>();
  private stopping = false;

  constructor(private readonly events: SupervisorEvents) {}

  start(spec: ChildSpec): void {
    const supervised: Supervised = { spec, crashes: [] };
    this.children.set(spec.name, supervised);
    this.spawn(supervised);
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.children].map(([name, s]) => [name, s.process?.pid]));
  }

  private spawn(supervised: Supervised): void {
    const { spec } = supervised;
    const child = spawn(process.execPath, [spec.entry], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    supervised.process = child;
    const prefix = this.events.prefix(spec.name);
    pipeLines(child.stdout!, prefix, process.stdout);
    pipeLines(child.stderr!, prefix, process.stderr);
    child.once('error', (error) => this.events.log(`${spec.name}: could not start: ${error.message}`));
    child.once('exit', (code, signal) => this.onExit(supervised, child, code, signal));
  }

  private onExit(supervised: Supervised, child: ChildProcess, code: number | null, signal: string | null): void {
    if (supervised.process === child) supervised.process = undefined;
    if (this.stopping) return;
    const { name } = supervised.spec;
    const now = Date.now();
    supervised.crashes = [...supervised.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (supervised.crashes.length >= CRASH_LIMIT) {
      this.events.log(`${name} exited (${how}) ${CRASH_LIMIT} times within ${CRASH_WINDOW_MS / 1000} s; giving up`);
      this.events.gaveUp(name);
      return;
    }
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (supervised.crashes.length - 1), MAX_BACKOFF_MS);
    this.events.log(`${name} exited (${how}); restarting in ${delay} ms`);
    supervised.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn(supervised);
    }, delay);
  }

  /** SIGTERM to every child, SIGKILL to any still there after the timeout. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const waits = [...this.children.values()].map((supervised) => {
      clearTimeout(supervised.restartTimer);
      const child = supervised.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const killer = setTimeout(() => {
          this.events.log(`${supervised.spec.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
          child.kill('SIGKILL');
        }, STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    });
    await Promise.all(waits);
  }
}
