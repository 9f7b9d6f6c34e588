// Live thumbnails: every THUMBNAIL_INTERVAL_MS per live stream, grab one frame
// from the origin's HTTP-FLV, upload it to image as the room's thumbnail and
// set it on the room in villa. At most one grab per stream at a time; the
// stream ending cancels its grab (killing ffmpeg), and so does shutdown.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@bamboo/kit';
import type { Counter } from 'prom-client';
import type { LiveStream, StreamRegistry } from '../publish/stream-registry.js';
import type { FrameGrabber } from './grab-frame.js';

export interface ThumbnailerOptions {
  registry: StreamRegistry;
  grabber: FrameGrabber;
  /** The origin's HTTP-FLV URL of a stream, signed when play auth is on. */
  flvUrl: (stream: LiveStream) => string;
  upload: (roomId: string, jpeg: Uint8Array) => Promise<string>;
  setOnRoom: (roomId: string, imageId: string) => Promise<void>;
  dir: string;
  intervalMs: number;
  firstDelayMs: number;
  logger: Logger;
  results: Counter<'result'>;
}

export interface Thumbnailer {
  start(): Promise<void>;
  stop(): void;
}

interface Job {
  timer?: NodeJS.Timeout;
  abort: AbortController;
}

export function createThumbnailer(options: ThumbnailerOptions): Thumbnailer {
  const { registry, grabber } = options;
  const log = options.logger.child({ component: 'thumbnails' });
  const jobs = new Map<string, Job>();

  async function grabOnce(stream: LiveStream, job: Job) {
    const file = join(options.dir, `${stream.roomId}.jpg`);
    try {
      await grabber.grab(options.flvUrl(stream), file, job.abort.signal);
      const jpeg = await readFile(file);
      const imageId = await options.upload(stream.roomId, jpeg);
      await options.setOnRoom(stream.roomId, imageId);
      options.results.inc({ result: 'ok' });
      log.debug({ room: stream.roomId, imageId }, 'thumbnail set');
    } catch (error) {
      if (job.abort.signal.aborted) return;
      options.results.inc({ result: 'failed' });
      log.warn({ room: stream.roomId, err: error }, 'thumbnail failed');
    }
  }

  function schedule(stream: LiveStream, job: Job, delayMs: number) {
    job.timer = setTimeout(() => {
      void grabOnce(stream, job).finally(() => {
        if (!job.abort.signal.aborted) schedule(stream, job, options.intervalMs);
      });
    }, delayMs);
  }

  const onStarted = (stream: LiveStream) => {
    const job: Job = { abort: new AbortController() };
    jobs.get(stream.roomId)?.abort.abort();
    jobs.set(stream.roomId, job);
    schedule(stream, job, options.firstDelayMs);
  };

  const cancel = (roomId: string) => {
    const job = jobs.get(roomId);
    if (!job) return;
    jobs.delete(roomId);
    clearTimeout(job.timer);
    job.abort.abort();
    void rm(join(options.dir, `${roomId}.jpg`), { force: true });
  };
  const onEnded = (stream: LiveStream) => cancel(stream.roomId);

  return {
    async start() {
      await mkdir(options.dir, { recursive: true });
      registry.on('started', onStarted);
      registry.on('ended', onEnded);
    },
    stop() {
      registry.off('started', onStarted);
      registry.off('ended', onEnded);
      for (const roomId of [...jobs.keys()]) cancel(roomId);
      grabber.killAll();
    },
  };
}
