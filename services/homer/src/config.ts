// homer's configuration: every tunable is a named env var with its default here.
import { baseConfigShape, z } from '@bamboo/kit';

const ms = z.coerce.number().int().positive();
const count = z.coerce.number().int().positive();

export const configShape = {
  ...baseConfigShape('homer'),
  /** Raw TCP gateway port (WebSocket is `/sub` on PORT); 0 picks a free port. */
  HOMER_TCP_PORT: z.coerce.number().int().min(0).max(65535).default(8094),
  /** Address clients are told to use for this node (dispatcher); defaults to HOST. */
  HOMER_PUBLIC_HOST: z.string().min(1).optional(),
  /** This gateway's id in the registry; defaults to host:tcpPort. */
  HOMER_GATEWAY_ID: z.string().min(1).optional(),
  /** Where this gateway stands, for the dispatcher's preference. */
  HOMER_REGION: z.string().min(1).default('local'),
  HOMER_ISP: z.string().min(1).default('any'),
  /** Secret signing connect tickets; defaults to one derived from BAMBOO_INTERNAL_KEY. */
  HOMER_TICKET_SECRET: z.string().min(16).optional(),
  /** How long a connect ticket may be presented after it was issued. */
  HOMER_TICKET_TTL_MS: ms.default(60_000),
  /** The first frame must be auth within this. */
  HOMER_AUTH_TIMEOUT_MS: ms.default(10_000),
  /** Heartbeat interval told to clients on wired/wifi/unknown networks. */
  HOMER_HEARTBEAT_MS: ms.default(30_000),
  /** Heartbeat interval told to clients on cellular networks (radio wake-ups cost battery). */
  HOMER_HEARTBEAT_CELLULAR_MS: ms.default(60_000),
  /** Largest frame a client may send (header included). */
  HOMER_MAX_CLIENT_FRAME_BYTES: count.default(4096),
  /** Bytes queued to one connection: past half of it low-priority messages are dropped, past it every frame. */
  HOMER_SEND_BUFFER_BYTES: count.default(1024 * 1024),
  /** Frames queued to one connection, the same two marks as the bytes. */
  HOMER_SEND_BUFFER_FRAMES: count.default(1024),
  /** A connection still over half its buffer this long after it first overflowed is closed (slow_consumer). */
  HOMER_SLOW_CONSUMER_GRACE_MS: ms.default(5_000),
  /** Rooms one connection may be in at once. */
  HOMER_MAX_ROOMS_PER_CONN: count.default(4),
  /** A room's messages are merged over this window into one frame per connection. */
  HOMER_BATCH_WINDOW_MS: ms.default(50),
  /** Recent history kept per room: at most this many messages … */
  HOMER_HISTORY_SIZE: count.default(200),
  /** … no older than this. */
  HOMER_HISTORY_TTL_MS: ms.default(5 * 60_000),
  /** Longest danmaku text, in characters. */
  HOMER_MAX_TEXT_CHARS: count.default(100),
  /** Banned words, comma-separated; matched after NFKC (width) and case folding. */
  HOMER_BANNED_WORDS: z.string().default(''),
  /** What a banned word does to a danmaku: refuse it (422 banned_word) or mask the word with '*'. */
  HOMER_BANNED_WORDS_MODE: z.enum(['refuse', 'mask']).default('refuse'),
  /** Per user and room: sends per second (sustained) … */
  HOMER_SEND_RATE_PER_S: z.coerce.number().positive().default(1),
  /** … and the burst allowed on top of that. */
  HOMER_SEND_BURST: count.default(3),
  /** How long villa's mute/ban verdict is reused (a mute takes effect within this). */
  HOMER_PERMISSION_CACHE_MS: z.coerce.number().int().min(0).default(3_000),
  /** Shards a room's connections are split into (by connection hash) on every gateway. */
  HOMER_ROOM_SHARDS: count.default(4),
  /** Messages one shard's connections get per batching window; over it chat and low are sampled, high never. */
  HOMER_WINDOW_BUDGET: count.default(20),
  /** Unicast inbox: how long a message waits for its ack by default (the caller may say less or more) … */
  HOMER_INBOX_TTL_MS: ms.default(24 * 3600_000),
  /** … at most this many per user (the oldest go first) … */
  HOMER_INBOX_MAX: count.default(100),
  /** … and delivered on connect at most this many times without an ack. */
  HOMER_INBOX_MAX_DELIVERIES: count.default(5),
  /** How often a gateway re-registers and reports its online counts. */
  HOMER_REGISTER_EVERY_MS: ms.default(5_000),
  /** A gateway not heard from for this long is dropped from dispatch and counts. */
  HOMER_GATEWAY_TTL_MS: ms.default(15_000),
  /** How many gateway addresses the dispatcher returns. */
  HOMER_DISPATCH_COUNT: count.default(3),
  /** Report viewers to sandglass (module room:<id>), where villa reads them. */
  HOMER_PRESENCE_REPORT: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** How often; well inside sandglass' offline window (2 × 30 s + 5 s by default). */
  HOMER_PRESENCE_EVERY_MS: ms.default(20_000),
  /** Heartbeats per call to sandglass (its MAX_BATCH) and rooms per user (its MAX_MODULES). */
  HOMER_PRESENCE_BATCH: count.default(1_000),
  HOMER_PRESENCE_MAX_MODULES: count.default(16),
  /** How long a repeated idempotency key returns the first answer. */
  HOMER_IDEMPOTENCY_TTL_MS: ms.default(24 * 3600_000),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
