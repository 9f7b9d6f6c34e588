import { rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@bamboo/kit';
import { tempDir } from '@bamboo/testing';
import { Counter, Registry } from 'prom-client';
import { StreamRegistry } from '../publish/stream-registry.js';
import type { FrameGrabber } from './grab-frame.js';
import { createThumbnailer } from './thumbnailer.js';

const stream = (roomId: string) => ({ roomId, streamPath: `/live/${roomId}`, sessionId: 's', startedAt: 1, publisherId: 'p' });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await tick(10);
  expect(await check()).toBe(true);
}

describe('thumbnailer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('thumbnailer');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function setup(options: { uploadFails?: boolean } = {}) {
    const registry = new StreamRegistry();
    const grabs: string[] = [];
    let killed = 0;
    const grabber: FrameGrabber = {
      async grab(url, out) {
        grabs.push(url);
        await writeFile(out, Buffer.from([0xff, 0xd8, 0xff]));
      },
      running: () => 0,
      killAll: () => void (killed += 1),
    };
    const uploads: string[] = [];
    const onRoom: Array<[string, string]> = [];
    const results = new Counter({ name: 't', help: 't', labelNames: ['result'], registers: [new Registry()] });
    const thumbnailer = createThumbnailer({
      registry,
      grabber,
      flvUrl: (s) => `http://origin${s.streamPath}.flv`,
      upload: async (roomId) => {
        if (options.uploadFails) throw new Error('image down');
        uploads.push(roomId);
        return `img-${uploads.length}`;
      },
      setOnRoom: async (roomId, imageId) => void onRoom.push([roomId, imageId]),
      dir,
      intervalMs: 30,
      firstDelayMs: 5,
      logger: createLogger('test', 'silent'),
      results,
    });
    return { registry, grabs, uploads, onRoom, results, thumbnailer, killed: () => killed };
  }

  it('grabs, uploads and sets a thumbnail per live stream, repeatedly, until the stream ends', async () => {
    const t = setup();
    await t.thumbnailer.start();
    t.registry.start(stream('r1'));
    await until(() => t.grabs.length >= 2 && t.onRoom.length >= 1);
    expect(t.grabs.every((u) => u === 'http://origin/live/r1.flv')).toBe(true);
    expect(t.onRoom[0]).toEqual(['r1', 'img-1']);
    t.registry.end('r1', 2);
    const after = t.grabs.length;
    await tick(100);
    expect(t.grabs.length).toBe(after);
    t.thumbnailer.stop();
    expect(t.killed()).toBe(1);
  });

  it('counts a failed upload, sets nothing, and keeps trying', async () => {
    const t = setup({ uploadFails: true });
    await t.thumbnailer.start();
    t.registry.start(stream('r1'));
    const failures = async () => (await t.results.get()).values.find((v) => v.labels.result === 'failed')?.value ?? 0;
    await until(async () => (await failures()) >= 2);
    expect(t.onRoom).toEqual([]);
    t.thumbnailer.stop();
  });
});
