// Real media processes for tests: a CDN line (node-media-server in a child
// process), an ffmpeg publisher of a generated test pattern, ffprobe.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface CdnLineProcess {
  port: number;
  stop(): Promise<void>;
}

/** A node-media-server on `port`; with `publishSecret`, publishing needs its signed URLs. */
export function startCdnLine(port: number, dataDir: string, publishSecret?: string): Promise<CdnLineProcess> {
  const child = fork(`${here}cdn-line.cjs`, [String(port), dataDir, ...(publishSecret ? [publishSecret] : [])], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`cdn line exited with ${code}`)));
    child.once('message', () => resolve({ port, stop: () => stopChild(child, 'SIGKILL') }));
  });
}

export interface Publisher {
  child: ChildProcess;
  /** Resolves with the exit code once ffmpeg has exited. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** ffmpeg publishing a generated test pattern (H.264, 1 s GOP) to `url`, in real time. */
export function publishTestPattern(url: string): Publisher {
  const child = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p', '-f', 'flv', url],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stop: (signal = 'SIGINT') => stopChild(child, signal) };
}

/** ffprobe's video stream codec of `url`, or undefined when it cannot read it. */
export function probeCodec(url: string, timeoutS = 5): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('ffprobe', ['-v', 'error', '-analyzeduration', '1000000', '-probesize', '500000', '-rw_timeout', String(timeoutS * 1_000_000), '-select_streams', 'v:0',
      '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 2) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 && out.trim() ? out.trim() : undefined);
    });
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

type Falsy = undefined | null | false;

/** Polls `check` until it returns a value that is not undefined/null/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pids of this process's children named `name` (read from /proc; Linux). */
export async function childrenNamed(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (comm === name && ppid === process.pid) pids.push(Number(entry));
  }
  return pids;
}
