// magi's configuration: every tunable is a named env var with its default here.
import { baseConfigShape, z } from '@bamboo/kit';

const ms = z.coerce.number().int().positive();

export const configShape = {
  ...baseConfigShape('magi'),
  /** How long a send's requestId (and a top-up's key) is remembered in hot state. Default 7 days. */
  MAGI_REQUEST_TTL_MS: ms.default(7 * 24 * 3600_000),
  /** Repeated sends of one gift by one user into one room within this window form a combo. */
  MAGI_COMBO_WINDOW_MS: ms.default(5_000),
  /** How many journal entries one flush writes to the ledger at most. */
  MAGI_FLUSH_BATCH: ms.default(2_000),
  /** Pause after a flush that found less than a full batch (the journal gathers; an acknowledgement waiting for the ledger ends it). */
  MAGI_FLUSH_IDLE_MS: ms.default(20),
  /**
   * Acknowledge a gift or top-up only once it is in the ledger, on Redis too.
   * Always the case on the memory engine (memory does not survive a restart);
   * on Redis an acknowledgement otherwise rests on Redis persistence (AOF).
   */
  MAGI_ACK_AFTER_LEDGER: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * On Redis, run the ledger side (the flush into the ledger, the broadcasts,
   * the ledger's reads) in a thread of its own, so the HTTP thread only runs
   * the rules and the bank script. The memory engine always runs it in-thread.
   */
  MAGI_LEDGER_THREAD: z.enum(['on', 'off']).default('on'),
  /** How long a send waits for its ledger write before answering 503 (retry with the same requestId). */
  MAGI_COMMIT_TIMEOUT_MS: ms.default(5_000),
  /** Room facts from villa (anchor, category, live session) are cached this long. */
  MAGI_ROOM_CACHE_MS: ms.default(2_000),
  /** The gift catalog and shelves are cached in process this long. */
  MAGI_CATALOG_CACHE_MS: ms.default(1_000),
  /** Broadcast gifts to homer (off only for benchmarks without homer). */
  MAGI_BROADCAST: z
    .enum(['on', 'off'])
    .default('on'),
  /** Pause after an outbox pass that found less than a full batch; doubled (to 5 s) while homer fails. */
  MAGI_BROADCAST_IDLE_MS: ms.default(50),
  /** Parallel broadcast calls to homer. */
  MAGI_BROADCAST_CONCURRENCY: ms.default(16),
  /** Experience needed for level n is LEVEL_BASE * n²; level = floor(sqrt(experience / base)). */
  MAGI_LEVEL_BASE: ms.default(100),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
