import { spawnSync } from 'node:child_process';
import { chmod, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@bamboo/testing';
import { createFrameGrabber } from './grab-frame.js';

describe('frame grabber', () => {
  let dir: string;
  let stuck: string;

  beforeAll(async () => {
    dir = await tempDir('grab-frame');
    // an "ffmpeg" that never finishes
    stuck = join(dir, 'stuck-ffmpeg.sh');
    await writeFile(stuck, '#!/bin/sh\nexec sleep 60\n');
    await chmod(stuck, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('kills an ffmpeg that does not finish in time and leaves no file behind', async () => {
    const grabber = createFrameGrabber({ ffmpegPath: stuck, timeoutMs: 300 });
    await expect(grabber.grab('http://127.0.0.1:9/x.flv', join(dir, 'out.jpg'))).rejects.toThrow(/did not finish within 300 ms/);
    expect(grabber.running()).toBe(0);
    expect((await readdir(dir)).filter((f) => f.startsWith('out'))).toEqual([]);
  });

  it('cancels a running grab on abort and on killAll', async () => {
    const grabber = createFrameGrabber({ ffmpegPath: stuck, timeoutMs: 60_000 });
    const abort = new AbortController();
    const grab = grabber.grab('http://127.0.0.1:9/x.flv', join(dir, 'a.jpg'), abort.signal);
    const other = grabber.grab('http://127.0.0.1:9/x.flv', join(dir, 'b.jpg'));
    await new Promise((r) => setTimeout(r, 50));
    expect(grabber.running()).toBe(2);
    abort.abort();
    await expect(grab).rejects.toThrow(/cancelled/);
    grabber.killAll();
    await expect(other).rejects.toThrow();
    expect(grabber.running()).toBe(0);
  });

  it('writes a real JPEG atomically with ffmpeg', async () => {
    const grabber = createFrameGrabber({ ffmpegPath: 'ffmpeg', timeoutMs: 20_000 });
    const out = join(dir, 'pattern.jpg');
    const src = join(dir, 'src.flv');
    const made = spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-t', '1',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-y', src]);
    expect(made.status).toBe(0);
    await grabber.grab(src, out);
    expect((await readFile(out)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
