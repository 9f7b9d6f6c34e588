// Process helpers for the bench.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '@bamboo/testing/node';
import { Redis } from 'ioredis';

/** A fresh, non-persisting redis-server for the bench alone, so its memory figures are clean. */
export async function startRedis(): Promise<{ url: string; pid: number; stop(): void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    const ok = await client.connect().then(() => client.ping(), () => null);
    client.disconnect();
    if (ok === 'PONG') return { url, pid: child.pid!, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  throw new Error('redis-server did not start (is it on PATH?)');
}

/** CPU time (user + system) a process has used so far, in µs, from /proc (Linux). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every common Linux. */
const CLOCK_TICKS = 100;
