// trafficcop's configuration: every value is a named env var with its default
// beside it. The RTMP origin always runs with a non-empty secret: when
// MEDIA_SECRET is unset it is derived from the internal key, so play URLs stay
// valid across restarts without another secret to manage.
import { createHmac } from 'node:crypto';
import { baseConfigShape, z } from '@bamboo/kit';

// node-media-server skips a listener whose port is 0, so a real port is required.
const port = z.coerce.number().int().min(1).max(65535);
const ms = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ratio = z.coerce.number().min(0).max(1);
/** A comma-separated list of lowercase codes, e.g. `cn-north,cn-east`. */
const codes = z
  .string()
  .transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'codes are lowercase letters, digits and dashes')).min(1));

export const configShape = {
  ...baseConfigShape('trafficcop'),
  /** RTMP ingest and playback port of the origin (node-media-server). */
  RTMP_PORT: port.default(1935),
  /** HTTP-FLV (and WS-FLV) playback port of the origin. */
  HTTP_FLV_PORT: port.default(8000),
  /** Address the origin's RTMP and HTTP-FLV ports bind to; they face publishers and players directly. */
  MEDIA_HOST: z.string().min(1).default('0.0.0.0'),
  /** Host name put into origin play URLs handed to clients. */
  MEDIA_PUBLIC_HOST: z.string().min(1).default('127.0.0.1'),
  /** RTMP application anchors publish to: rtmp://host/<app>/<roomId>?key=<stream key>. */
  RTMP_APP: z.string().regex(/^[A-Za-z0-9_-]+$/).default('live'),
  /** Secret of the origin's signed play URLs; empty means "derive from BAMBOO_INTERNAL_KEY". */
  MEDIA_SECRET: z.string().default(''),
  /** Require signed URLs to play from the origin (viewers normally pull from CDN lines). */
  PLAY_AUTH: flag.default(true),
  /** Lifetime of a signed origin play URL. */
  PLAY_URL_TTL_S: z.coerce.number().int().positive().default(3600),
  /** An RTMP connection that has not asked to publish or play after this long is closed (port scans, garbage). */
  RTMP_IDLE_TIMEOUT_MS: ms.default(10_000),
  /** How long a dropped publisher may reconnect from the same address and resume the same live session. */
  PUBLISH_GRACE_MS: ms.default(30_000),
  /** Budget for villa's stream-key answer; no answer in time refuses the publish (fail closed). */
  VERIFY_TIMEOUT_MS: ms.default(800),
  /** First and largest wait before restarting a dropped relay (doubles in between). */
  RELAY_BACKOFF_MIN_MS: ms.default(1_000),
  RELAY_BACKOFF_MAX_MS: ms.default(30_000),
  /** How often relay sessions are checked for having dropped. */
  RELAY_WATCH_INTERVAL_MS: ms.default(1_000),
  /** A relay that has not connected after this long is restarted. */
  RELAY_CONNECT_TIMEOUT_MS: ms.default(10_000),
  /** How often CDN lines are re-read, so a change made through another instance takes effect. */
  LINE_SYNC_INTERVAL_MS: ms.default(5_000),
  /** Per live stream: how often a frame is grabbed as the room's thumbnail. */
  THUMBNAIL_INTERVAL_MS: ms.default(20_000),
  /** Delay before the first grab of a new stream (lets a keyframe arrive). */
  THUMBNAIL_FIRST_DELAY_MS: ms.default(2_000),
  /** A grab that takes longer is killed. */
  THUMBNAIL_TIMEOUT_MS: ms.default(10_000),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  /** How often villa's live rooms are compared with the streams this origin really has. */
  RECONCILE_INTERVAL_MS: ms.default(60_000),
  /** Timeout of one call to villa, image or homer. */
  DOWNSTREAM_TIMEOUT_MS: ms.default(3_000),

  // --- play scheduling (issue 6) ---
  /** Region codes viewers and lines may name; anything else is a 400. */
  CDN_REGIONS: codes.prefault('cn-north,cn-east,cn-south,cn-west,cn-central,hk,tw,sg,jp,us,eu'),
  /** ISP codes viewers and lines may name; anything else is a 400. */
  CDN_ISPS: codes.prefault('telecom,unicom,mobile,edu,cable,other'),
  /** Backups after the primary in a play answer (from other providers where possible). */
  PLAY_BACKUPS: z.coerce.number().int().min(0).max(10).default(2),
  /** A play handed out counts against its line's capacity (and is told to switch) for this long. */
  VIEWER_TTL_MS: ms.default(60_000),
  /** How long villa's "this room exists" answer is reused. */
  ROOM_CACHE_MS: ms.default(10_000),

  // --- line health ---
  /** Active probe of every line with a probe URL. */
  PROBE_INTERVAL_MS: ms.default(5_000),
  PROBE_TIMEOUT_MS: ms.default(2_000),
  /** Consecutive failed probes that make a line degraded everywhere. */
  PROBE_FAIL_THRESHOLD: z.coerce.number().int().min(1).default(2),
  /** A degraded line must stay healthy this long before it is handed out again (no flapping). */
  HEALTH_HOLD_DOWN_MS: ms.default(30_000),
  /** Client QoS reports are aggregated over this sliding window. */
  QOS_WINDOW_MS: ms.default(60_000),
  /** Fewer reports than this in the window say nothing about a line. */
  QOS_MIN_REPORTS: z.coerce.number().int().min(1).default(5),
  /** Share of good reports below which a line is degraded (for that region/ISP, or everywhere). */
  QOS_MIN_SCORE: ratio.default(0.7),
  /** Share of good reports from which a line counts as good quality (ranked first). */
  QOS_GOOD_SCORE: ratio.default(0.95),
  /** A report is bad when its first frame took longer than this … */
  QOS_SLOW_FIRST_FRAME_MS: ms.default(3_000),
  /** … or it stalled longer than this share of the time watched, or it had errors. */
  QOS_MAX_STALL_RATIO: ratio.default(0.05),
  /** How often QoS windows are re-evaluated (so a line can recover without new reports). */
  HEALTH_EVAL_INTERVAL_MS: ms.default(1_000),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;

/** The origin's URL-signing secret: MEDIA_SECRET, or one derived from the internal key. */
export function mediaSecret(config: Pick<Config, 'MEDIA_SECRET' | 'BAMBOO_INTERNAL_KEY'>): string {
  if (config.MEDIA_SECRET !== '') return config.MEDIA_SECRET;
  return createHmac('sha256', config.BAMBOO_INTERNAL_KEY).update('trafficcop media secret').digest('hex');
}
