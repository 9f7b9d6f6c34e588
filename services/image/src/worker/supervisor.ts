// Starts and watches the worker processes of one image service: a worker
// that dies is started again (backoff doubling to 30 s, reset after a minute
// of uptime); stop() sends SIGTERM, waits, then SIGKILLs what is left.
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '@bamboo/kit';

export interface SupervisorOptions {
  count: number;
  /** The worker's entry file (dist/worker/main.js), or a runner given `args`. */
  entry: string;
  args?: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Node flags for the workers; default this process's (so a loader like tsx carries over). */
  execArgv?: string[];
}

export interface Supervisor {
  pids(): number[];
  stop(timeoutMs: number): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;

export function superviseWorkers(options: SupervisorOptions): Supervisor {
  const children = new Map<number, ChildProcess>();
  let stopping = false;

  function start(slot: number, backoffMs: number): void {
    const startedAt = Date.now();
    const child = fork(options.entry, options.args ?? [], {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: options.env,
      execArgv: options.execArgv ?? process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.set(slot, child);
    child.once('exit', (code, signal) => {
      children.delete(slot);
      if (stopping) return;
      const next = Date.now() - startedAt > HEALTHY_AFTER_MS ? 1_000 : Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      options.logger.error({ slot, code, signal, restartInMs: next }, 'worker exited; restarting');
      setTimeout(() => !stopping && start(slot, next), next).unref();
    });
  }

  for (let slot = 0; slot < options.count; slot++) start(slot, 500);

  return {
    pids: () => [...children.values()].flatMap((child) => (child.pid ? [child.pid] : [])),
    async stop(timeoutMs) {
      stopping = true;
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
              child.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
