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
  /** Timeout of one call to villa or image. */
  DOWNSTREAM_TIMEOUT_MS: ms.default(3_000),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;

/** The origin's URL-signing secret: MEDIA_SECRET, or one derived from the internal key. */
export function mediaSecret(config: Pick<Config, 'MEDIA_SECRET' | 'BAMBOO_INTERNAL_KEY'>): string {
  if (config.MEDIA_SECRET !== '') return config.MEDIA_SECRET;
  return createHmac('sha256', config.BAMBOO_INTERNAL_KEY).update('trafficcop media secret').digest('hex');
}
