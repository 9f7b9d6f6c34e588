// Every tunable of sandglass is a named environment variable, default beside it.
import { baseConfigShape, z } from '@bamboo/kit';
import { SOURCE_PATTERN } from './presence/names.js';

const positiveInt = z.coerce.number().int().positive();

/** A comma-separated list of source names; 'app' (the default source) must be one. */
const sourceList = z
  .string()
  .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
  .refine((list) => list.every((s) => SOURCE_PATTERN.test(s)), 'each source must be 1-32 characters of a-z 0-9 _ -, starting with a letter')
  .refine((list) => list.includes('app'), "must include 'app', the source of heartbeats that name none");

export const configShape = {
  ...baseConfigShape('sandglass'),
  /** The heartbeat interval the server tells clients to use. */
  HEARTBEAT_INTERVAL_MS: positiveInt.default(30_000),
  /** A user is offline after missing this many intervals (plus the grace below). */
  OFFLINE_AFTER_MISSED: positiveInt.max(100).default(2),
  /** Slack for network jitter added to the offline threshold. */
  OFFLINE_GRACE_MS: z.coerce.number().int().min(0).default(5_000),
  /** Redis: users are spread over this many hash-tagged shards (Cluster slots). */
  PRESENCE_SHARDS: positiveInt.max(1024).default(16),
  /**
   * Who may report a user's modules, each kept apart (a user is in the union):
   * apps, homer (rooms it serves the user in), villa. The list bounds a
   * user's modules at MAX_MODULES per source.
   */
  PRESENCE_SOURCES: sourceList.default(['app', 'homer', 'villa']),
  /** Most modules one heartbeat may carry. */
  MAX_MODULES: positiveInt.max(64).default(16),
  /** Most heartbeats in one batch. */
  MAX_BATCH: positiveInt.max(10_000).default(1_000),
  /** Most users in one status lookup, and most modules in one count call. */
  MAX_LOOKUP: positiveInt.max(10_000).default(500),
  /** Largest page of module members. */
  MAX_PAGE: positiveInt.max(10_000).default(1_000),
  /** How often expired users are reaped (taken offline, removed from modules). */
  REAP_EVERY_MS: positiveInt.default(1_000),
  /** Most users one reap call takes offline per shard. */
  REAP_BATCH: positiveInt.default(1_000),
  /**
   * How often changed daily durations are written to the document store: one
   * write per online user per flush, and what a lost hot state can take with it.
   */
  FLUSH_EVERY_MS: positiveInt.default(300_000),
  /** Users written per round of a flush. */
  FLUSH_BATCH: positiveInt.default(2_000),
  /** How often module counts are sampled for the day's peak (written only when higher). */
  PEAKS_EVERY_MS: positiveInt.default(10_000),
  /** Transitions kept for /internal/events (per shard on Redis). */
  EVENTS_RETAINED: positiveInt.default(100_000),
  /** How long per-day durations stay in hot state after the first heartbeat of the user's latest day online. */
  DURATION_RETENTION_DAYS: positiveInt.max(3650).default(35),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;

/** The silence after which a user is offline, in ms. */
export function offlineAfterMs(config: Pick<Config, 'HEARTBEAT_INTERVAL_MS' | 'OFFLINE_AFTER_MISSED' | 'OFFLINE_GRACE_MS'>): number {
  return config.HEARTBEAT_INTERVAL_MS * config.OFFLINE_AFTER_MISSED + config.OFFLINE_GRACE_MS;
}
