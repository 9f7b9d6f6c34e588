// image's configuration: every limit is a named env var with its default here.
import { baseConfigShape, z } from '@bamboo/kit';

const positiveInt = z.coerce.number().int().positive();

/** Limits shared by the master (checks at upload) and the workers (checks while decoding). */
export const limitsShape = {
  /** Largest upload accepted, in bytes (413 above it). */
  IMAGE_MAX_UPLOAD_BYTES: positiveInt.default(10 * 1024 * 1024),
  /** Cap on input pixels (width × height of one frame): decompression-bomb guard, imgproxy's default. */
  IMAGE_MAX_PIXELS: positiveInt.default(40_000_000),
  /** Cap on frames of an animated input (only the first frame is used). */
  IMAGE_MAX_FRAMES: positiveInt.default(100),
};

export const configShape = {
  ...baseConfigShape('image'),
  ...limitsShape,
  /** How long a worker holds a task before it is handed out again (the seed's 120 s). */
  IMAGE_LEASE_MS: positiveInt.default(120_000),
  /** Attempts (leases handed out) before a task is failed with its last error. */
  IMAGE_MAX_ATTEMPTS: positiveInt.default(3),
  /** Worker processes main.ts starts and supervises; 0 when workers run elsewhere. */
  IMAGE_WORKERS: z.coerce.number().int().min(0).default(1),
  /** Where blobs live: `fs` (files under DATA_DIR/image/blobs), `gridfs` (MongoDB), `auto` = gridfs iff MONGO_URL. */
  IMAGE_BLOB_STORE: z.enum(['auto', 'fs', 'gridfs']).default('auto'),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;

/** A worker process: it talks to the master over HTTP and owns no store. */
export const workerConfigShape = {
  ...limitsShape,
  LOG_LEVEL: baseConfigShape('image').LOG_LEVEL,
  BAMBOO_INTERNAL_KEY: baseConfigShape('image').BAMBOO_INTERNAL_KEY,
  /** The master this worker asks for work (the image service). */
  IMAGE_URL: baseConfigShape('image').IMAGE_URL,
  /** How long one ask for work waits at the master while the queue is empty (long poll, at most 20 s). */
  IMAGE_WORKER_WAIT_MS: z.coerce.number().int().min(0).max(20_000).default(10_000),
  /** Pause before asking again after the master could not be reached. */
  IMAGE_WORKER_POLL_MS: positiveInt.default(1_000),
  /** libvips threads per worker; 0 = the machine's cores divided by IMAGE_WORKERS. */
  IMAGE_SHARP_CONCURRENCY: z.coerce.number().int().min(0).default(0),
  IMAGE_WORKERS: z.coerce.number().int().min(0).default(1),
  /** Name in the master's task records and logs; default <hostname>-<pid>. */
  IMAGE_WORKER_ID: z.string().min(1).optional(),
};
export type WorkerConfig = z.infer<z.ZodObject<typeof workerConfigShape>>;
