// The master of the seed: records a task per upload, keeps the original,
// hands tasks to workers under a lease, and records what they report. Plain
// functions over the task and blob stores; routes stay thin.
import { createHash } from 'node:crypto';
import { AppError, ConflictError, NotFoundError, ValidationError } from '@bamboo/kit';
import { CONTENT_TYPES } from '../images/formats.js';
import { ImageRejectedError, inspectImage, type ImageLimits, type RejectionCode } from '../images/inspect.js';
import { OUTPUT_CONTENT_TYPES, OUTPUT_FORMATS, VARIANT_NAMES, VARIANTS, type OutputFormat, type VariantName } from '../images/variants.js';
import type { BlobStore } from '../stores/blob-store.js';
import type { StoredVariant, Task, TaskError, TaskStore } from '../stores/task-store.js';
import type { ImageMetrics } from './metrics.js';
import type { ReportedVariant, WorkItem } from './work-item.js';

export interface MasterOptions {
  tasks: TaskStore;
  blobs: BlobStore;
  metrics: ImageMetrics;
  limits: ImageLimits;
  leaseMs: number;
  maxAttempts: number;
  now?: () => number;
}

export interface UploadInput {
  bytes: Uint8Array;
  kind: string;
  roomId?: string | undefined;
  uploader?: string | undefined;
}

export interface Blob {
  bytes: Buffer;
  contentType: string;
  etag: string;
}

const UPLOAD_STATUS: Record<RejectionCode, number> = {
  unsupported_format: 415,
  corrupt_image: 415,
  too_many_pixels: 422,
  too_many_frames: 422,
};

/** How often a waiting claim looks again for work it was not woken for. */
const RECHECK_MS = 1_000;

/** Wakes waiting claims when work arrives; `next` resolves on a wake, a timeout, or close. */
function createWakeups() {
  let waiters = new Set<() => void>();
  let closed = false;
  const wakeAll = () => {
    const woken = waiters;
    waiters = new Set();
    for (const wake of woken) wake();
  };
  return {
    get closed() {
      return closed;
    },
    wake: wakeAll,
    close() {
      closed = true;
      wakeAll();
    },
    next(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    },
  };
}

const resultPrefix = (id: string, leaseId: string) => `results/${id}/${leaseId}`;

export type Master = ReturnType<typeof createMaster>;

export function createMaster(options: MasterOptions) {
  const { tasks, blobs, metrics } = options;
  const now = options.now ?? Date.now;

  async function mustGet(id: string): Promise<Task> {
    const task = await tasks.get(id);
    if (!task) throw new NotFoundError(`no image ${id}`);
    return task;
  }

  async function requireLease(id: string, leaseId: string): Promise<void> {
    if (!(await tasks.holds(id, leaseId))) throw new ConflictError(`lease ${leaseId} no longer holds image ${id}`, 'lease_lost');
  }

  async function original(id: string): Promise<Blob> {
    const task = await mustGet(id);
    const bytes = await blobs.get(task.original.key);
    if (!bytes) throw new NotFoundError(`the original of image ${id} is missing from the blob store`, 'blob_missing');
    return { bytes, contentType: task.original.contentType, etag: `"${task.sha256.slice(0, 32)}"` };
  }

  async function claimOnce(worker: string): Promise<WorkItem | null> {
    const at = now();
    const exhausted = await tasks.expireExhausted(at, options.maxAttempts);
    if (exhausted > 0) {
      metrics.leaseExpiries.inc(exhausted);
      metrics.failures.inc({ stage: 'processing', reason: 'lease_expired' }, exhausted);
    }
    const claimed = await tasks.claim(worker, at, options.leaseMs, options.maxAttempts);
    if (!claimed) return null;
    if (claimed.leaseExpired) metrics.leaseExpiries.inc();
    const { task } = claimed;
    return { id: task.id, leaseId: task.leaseId!, leaseUntil: task.leaseUntil!, attempt: task.attempts, format: task.original.format };
  }

  const waiting = createWakeups();

  return {
    /** Checks the bytes, stores the original, records the task (or finds the one for the same bytes). */
    async upload(input: UploadInput): Promise<Task> {
      if (input.bytes.byteLength === 0) throw new ValidationError('body: the image is empty');
      let header;
      try {
        header = await inspectImage(input.bytes, options.limits);
      } catch (error) {
        if (!(error instanceof ImageRejectedError)) throw error;
        metrics.failures.inc({ stage: 'upload', reason: error.code });
        throw new AppError(UPLOAD_STATUS[error.code], error.code, error.message);
      }
      const sha256 = createHash('sha256').update(input.bytes).digest('hex');
      const key = `originals/${sha256}`;
      // The blob goes first: a task must never exist without its original.
      await blobs.put(key, input.bytes);
      const { task } = await tasks.create(
        {
          sha256,
          kind: input.kind,
          roomId: input.roomId ?? null,
          uploader: input.uploader ?? null,
          original: { key, format: header.format, contentType: CONTENT_TYPES[header.format], bytes: input.bytes.byteLength, width: header.width, height: header.height },
        },
        now(),
      );
      // Same bytes as a task that failed for a passing reason: give it another go.
      const result = task.state === 'failed' && task.error && !task.error.permanent ? ((await tasks.retry(task.id, now())) ?? task) : task;
      if (result.state === 'pending') waiting.wake();
      return result;
    },

    status: mustGet,

    /**
     * The next task for `worker`; when there is none, waits up to `waitMs` for
     * one (an upload in this process wakes the wait at once; tasks from other
     * masters or expiring leases are seen within a second), then null.
     */
    async claim(worker: string, waitMs = 0): Promise<WorkItem | null> {
      const deadline = now() + waitMs;
      for (;;) {
        const item = await claimOnce(worker);
        const left = deadline - now();
        if (item || left <= 0 || waiting.closed) return item;
        await waiting.next(Math.min(left, RECHECK_MS));
      }
    },

    /** Ends every waiting claim (at shutdown, so long polls do not hold HTTP open). */
    stopWaiting: () => waiting.close(),

    async originalForWorker(id: string, leaseId: string): Promise<Blob> {
      await requireLease(id, leaseId);
      return original(id);
    },

    async putResult(id: string, leaseId: string, variant: VariantName, format: OutputFormat, bytes: Uint8Array): Promise<void> {
      if (bytes.byteLength === 0) throw new ValidationError('body: the result is empty');
      await requireLease(id, leaseId);
      await blobs.put(`${resultPrefix(id, leaseId)}/${variant}.${format}`, bytes);
    },

    /** Finishes the task when the lease still holds; a late worker's results are dropped. */
    async complete(id: string, leaseId: string, reported: ReportedVariant[], timings: Record<string, number>): Promise<boolean> {
      const expected = VARIANT_NAMES.flatMap((variant) => OUTPUT_FORMATS.map((format) => `${variant}.${format}`));
      const got = new Set(reported.map((r) => `${r.variant}.${r.format}`));
      const missing = expected.filter((name) => !got.has(name));
      if (missing.length > 0) throw new ValidationError(`body.variants: missing ${missing.join(', ')}`);
      const variants: StoredVariant[] = reported.map((r) => ({ ...r, key: `${resultPrefix(id, leaseId)}/${r.variant}.${r.format}` }));
      const applied = await tasks.complete(id, leaseId, variants, now());
      if (!applied) {
        await blobs.deletePrefix(resultPrefix(id, leaseId));
        return false;
      }
      for (const [variant, ms] of Object.entries(timings)) metrics.processing.observe({ variant }, ms / 1000);
      return true;
    },

    async fail(id: string, leaseId: string, error: TaskError) {
      const state = await tasks.fail(id, leaseId, { error, maxAttempts: options.maxAttempts }, now());
      if (state === 'pending') waiting.wake();
      if (state) {
        metrics.failures.inc({ stage: 'processing', reason: error.code });
        await blobs.deletePrefix(resultPrefix(id, leaseId));
      }
      return state;
    },

    original,

    async variant(id: string, variant: VariantName, format: OutputFormat): Promise<Blob> {
      const task = await mustGet(id);
      if (task.state !== 'finished') {
        throw new ConflictError(`image ${id} is ${task.state}; its variants exist once it is finished`, 'not_ready');
      }
      const stored = task.variants.find((v) => v.variant === variant && v.format === format);
      const bytes = stored ? await blobs.get(stored.key) : null;
      if (!stored || !bytes) throw new NotFoundError(`variant ${variant}.${format} of image ${id} is missing`, 'blob_missing');
      return { bytes, contentType: OUTPUT_CONTENT_TYPES[format], etag: `"${stored.sha256.slice(0, 32)}"` };
    },
  };
}

/** What a client sees of a task. */
export function describeTask(task: Task, now: number) {
  // A lease that ran out reads as waiting: the task is about to be handed out again.
  const status = task.state === 'in-progress' && task.leaseUntil !== null && task.leaseUntil < now ? 'pending' : task.state;
  const base = `/v1/images/${task.id}`;
  return {
    id: task.id,
    status,
    kind: task.kind,
    roomId: task.roomId,
    attempts: task.attempts,
    error: task.error ? { code: task.error.code, message: task.error.message } : null,
    createdAt: task.createdAt,
    finishedAt: task.finishedAt,
    original: { format: task.original.format, width: task.original.width, height: task.original.height, bytes: task.original.bytes, url: `${base}/original` },
    variants:
      task.state === 'finished'
        ? VARIANT_NAMES.map((name) => ({ name, ...VARIANTS[name], formats: [...OUTPUT_FORMATS], url: `${base}/${name}` }))
        : [],
  };
}
