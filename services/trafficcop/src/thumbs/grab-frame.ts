// One frame of a live stream as a JPEG file, grabbed by ffmpeg. The frame is
// written to a temporary name and renamed into place, so a reader never sees
// a half-written file; an ffmpeg that does not finish in time is killed, and
// every process still running can be killed at once (stream end, shutdown).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';

export interface FrameGrabber {
  /** Grabs one frame of `inputUrl` into `outPath` (atomically); rejects on failure or timeout. */
  grab(inputUrl: string, outPath: string, signal?: AbortSignal): Promise<void>;
  /** ffmpeg processes running now. */
  running(): number;
  /** Kills every running ffmpeg. */
  killAll(): void;
}

export function createFrameGrabber(options: { ffmpegPath: string; timeoutMs: number }): FrameGrabber {
  const children = new Set<ChildProcess>();

  return {
    async grab(inputUrl, outPath, signal) {
      const tmpPath = `${outPath}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        // The origin's FLV header announces audio even for video-only
        // streams; a short probe keeps ffmpeg from waiting for it.
        const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-analyzeduration', '1000000', '-probesize', '500000',
          '-i', inputUrl, '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-c:v', 'mjpeg', tmpPath];
        await runFfmpeg(options.ffmpegPath, args, options.timeoutMs, children, signal);
        await rename(tmpPath, outPath);
      } finally {
        await rm(tmpPath, { force: true });
      }
    },
    running: () => children.size,
    killAll() {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

function runFfmpeg(path: string, args: string[], timeoutMs: number, children: Set<ChildProcess>, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('grab cancelled'));
    const child = spawn(path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    let why: string | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString();
    });
    const kill = (reason: string) => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(`ffmpeg did not finish within ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => kill('grab cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      why ??= `ffmpeg could not run: ${error.message}`;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      children.delete(child);
      if (code === 0 && !why) resolve();
      else reject(new Error(why ?? `ffmpeg exited with ${code}: ${stderr.trim().slice(0, 500)}`));
    });
  });
}
