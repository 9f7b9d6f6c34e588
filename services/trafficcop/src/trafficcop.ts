// Wires the origin to its collaborators: the publish gate (villa's stream
// keys), the live reporter (villa's live status), the relay supervisor (CDN
// push lines) and the thumbnailer (image + villa). One instance per process,
// because node-media-server keeps its state per process.
import { join } from 'node:path';
import type { Logger } from '@bamboo/kit';
import type { Registry } from 'prom-client';
import { mediaSecret, type Config } from './config.js';
import type { HomerClient } from './clients/homer.js';
import type { ImageClient } from './clients/image.js';
import { RoomCache } from './clients/room-cache.js';
import { HealthMonitor } from './health/monitor.js';
import { createOps, type Ops } from './ops/ops.js';
import { createCodes, type Codes } from './schedule/codes.js';
import { Scheduler } from './schedule/scheduler.js';
import { ViewerTracker } from './schedule/viewers.js';
import { countChange, createSchedulingMetrics } from './switch/metrics.js';
import { Switcher } from './switch/switcher.js';
import type { AuditLog } from './stores/audit.js';
import type { PinStore } from './stores/pins.js';
import type { VillaClient } from './clients/villa.js';
import { createOriginMetrics } from './origin/metrics.js';
import { createOrigin, type Origin } from './origin/origin.js';
import { createLiveReporter, type LiveReporter } from './publish/live-reporter.js';
import { installPublishGate } from './publish/publish-gate.js';
import { StreamRegistry, type LiveStream } from './publish/stream-registry.js';
import { createRelaySupervisor, type RelaySupervisor } from './relay/relay-supervisor.js';
import type { LineStore } from './stores/lines.js';
import { createFrameGrabber } from './thumbs/grab-frame.js';
import { createThumbnailer, type Thumbnailer } from './thumbs/thumbnailer.js';

export interface TrafficcopDeps {
  config: Config;
  logger: Logger;
  lines: LineStore;
  pins: PinStore;
  audit: AuditLog;
  villa: VillaClient;
  image: ImageClient;
  homer: HomerClient;
  metrics: Registry;
  /** The clock of scheduling and health (tests control it); default Date.now. */
  now?: () => number;
}

export interface Trafficcop {
  config: Config;
  origin: Origin;
  registry: StreamRegistry;
  relays: RelaySupervisor;
  liveReporter: LiveReporter;
  lines: LineStore;
  codes: Codes;
  health: HealthMonitor;
  viewers: ViewerTracker;
  scheduler: Scheduler;
  switcher: Switcher;
  ops: Ops;
  rooms: RoomCache;
  /** Signed origin play URLs of a stream, valid until `expiresAt` (epoch s). */
  playUrls(roomId: string, nowMs: number): { rtmp: string; flv: string; expiresAt: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createTrafficcop(deps: TrafficcopDeps): Trafficcop {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const secret = mediaSecret(config);
  const origin = createOrigin({
    host: config.MEDIA_HOST,
    rtmpPort: config.RTMP_PORT,
    httpFlvPort: config.HTTP_FLV_PORT,
    secret,
    playAuth: config.PLAY_AUTH,
    dataDir: config.DATA_DIR,
    idleTimeoutMs: config.RTMP_IDLE_TIMEOUT_MS,
    logger,
  });
  const registry = new StreamRegistry();
  let relays: RelaySupervisor | undefined;
  const metrics = createOriginMetrics(deps.metrics, { sessions: () => origin.sessions(), relays: () => relays?.status() ?? [] });

  installPublishGate({
    origin,
    registry,
    verify: (key, roomId) => deps.villa.verifyStreamKey(key, roomId, config.VERIFY_TIMEOUT_MS),
    app: config.RTMP_APP,
    graceMs: config.PUBLISH_GRACE_MS,
    logger,
    refusals: metrics.refusals,
  });
  relays = createRelaySupervisor({
    origin,
    registry,
    loadLines: () => deps.lines.list(),
    backoffMinMs: config.RELAY_BACKOFF_MIN_MS,
    backoffMaxMs: config.RELAY_BACKOFF_MAX_MS,
    watchIntervalMs: config.RELAY_WATCH_INTERVAL_MS,
    connectTimeoutMs: config.RELAY_CONNECT_TIMEOUT_MS,
    lineSyncIntervalMs: config.LINE_SYNC_INTERVAL_MS,
    logger,
    restarts: metrics.relayRestarts,
  });
  const liveReporter = createLiveReporter({
    villa: deps.villa,
    registry,
    logger,
    reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
    retryMinMs: config.RELAY_BACKOFF_MIN_MS,
    retryMaxMs: config.RELAY_BACKOFF_MAX_MS,
  });

  const codes = createCodes(config.CDN_REGIONS, config.CDN_ISPS);
  const health = new HealthMonitor({
    rules: {
      windowMs: config.QOS_WINDOW_MS,
      minReports: config.QOS_MIN_REPORTS,
      slowFirstFrameMs: config.QOS_SLOW_FIRST_FRAME_MS,
      maxStallRatio: config.QOS_MAX_STALL_RATIO,
      minScore: config.QOS_MIN_SCORE,
      goodScore: config.QOS_GOOD_SCORE,
    },
    probeIntervalMs: config.PROBE_INTERVAL_MS,
    probeTimeoutMs: config.PROBE_TIMEOUT_MS,
    failThreshold: config.PROBE_FAIL_THRESHOLD,
    holdDownMs: config.HEALTH_HOLD_DOWN_MS,
    evalIntervalMs: config.HEALTH_EVAL_INTERVAL_MS,
    now,
    logger,
  });
  const viewers = new ViewerTracker(config.VIEWER_TTL_MS);
  const scheduler = new Scheduler({
    lines: deps.lines,
    pins: deps.pins,
    health,
    viewers,
    carriesPush: (lineId, roomId) => relays?.isUp(lineId, roomId) ?? false,
    originUrl: (roomId, protocol, expiresAtS) => {
      if (protocol === 'hls' || !registry.get(roomId)) return undefined;
      const streamPath = `/${config.RTMP_APP}/${roomId}`;
      const query = signedQuery(streamPath, expiresAtS);
      return protocol === 'rtmp'
        ? `rtmp://${config.MEDIA_PUBLIC_HOST}:${config.RTMP_PORT}${streamPath}${query}`
        : `http://${config.MEDIA_PUBLIC_HOST}:${config.HTTP_FLV_PORT}${streamPath}.flv${query}`;
    },
    backups: config.PLAY_BACKUPS,
    playTtlS: config.PLAY_URL_TTL_S,
    now,
  });
  const switcher = new Switcher({ scheduler, viewers, homer: deps.homer, audit: deps.audit, logger, now });
  const schedulingMetrics = createSchedulingMetrics(deps.metrics, {
    lines: () => scheduler.lines(),
    viewers: (lineId) => viewers.count(lineId),
    status: (lineId) => health.view(lineId).status,
  });
  switcher.on('notified', () => schedulingMetrics.notices.inc({ result: 'sent' }));
  switcher.on('failed', () => schedulingMetrics.notices.inc({ result: 'failed' }));
  health.on('change', (change) => {
    countChange(schedulingMetrics, change);
    switcher.onHealthChange(change).catch((error: unknown) => logger.error({ err: error, change }, 'switchover failed'));
  });
  const rooms = new RoomCache((roomId) => deps.villa.roomExists(roomId), config.ROOM_CACHE_MS, now);
  const ops = createOps({
    lines: deps.lines,
    pins: deps.pins,
    audit: deps.audit,
    scheduler,
    switcher,
    codes,
    refreshRelays: () => relays!.refreshLines(),
    roomExists: (roomId) => rooms.exists(roomId),
    now,
  });
  let syncTimer: NodeJS.Timeout | undefined;

  const signedQuery = (streamPath: string, expiresAt: number) =>
    config.PLAY_AUTH ? `?sign=${origin.sign(streamPath, expiresAt)}` : '';
  // ffmpeg reads the origin locally; a bind to every address is reachable on loopback.
  const localHost = config.MEDIA_HOST === '0.0.0.0' || config.MEDIA_HOST === '::' ? '127.0.0.1' : config.MEDIA_HOST;
  const thumbnailer: Thumbnailer = createThumbnailer({
    registry,
    grabber: createFrameGrabber({ ffmpegPath: config.FFMPEG_PATH, timeoutMs: config.THUMBNAIL_TIMEOUT_MS }),
    flvUrl: (stream: LiveStream) =>
      `http://${localHost}:${config.HTTP_FLV_PORT}${stream.streamPath}.flv${signedQuery(stream.streamPath, Math.floor(Date.now() / 1000) + 300)}`,
    upload: (roomId, jpeg) => deps.image.uploadThumbnail(roomId, jpeg),
    setOnRoom: (roomId, imageId) => deps.villa.setThumbnail(roomId, imageId),
    dir: join(config.DATA_DIR, 'thumbnails'),
    intervalMs: config.THUMBNAIL_INTERVAL_MS,
    firstDelayMs: config.THUMBNAIL_FIRST_DELAY_MS,
    logger,
    results: metrics.thumbnails,
  });

  return {
    config,
    origin,
    registry,
    relays,
    liveReporter,
    lines: deps.lines,
    codes,
    health,
    viewers,
    scheduler,
    switcher,
    ops,
    rooms,
    playUrls(roomId, nowMs) {
      const streamPath = `/${config.RTMP_APP}/${roomId}`;
      const expiresAt = Math.floor(nowMs / 1000) + config.PLAY_URL_TTL_S;
      const query = signedQuery(streamPath, expiresAt);
      return {
        rtmp: `rtmp://${config.MEDIA_PUBLIC_HOST}:${config.RTMP_PORT}${streamPath}${query}`,
        flv: `http://${config.MEDIA_PUBLIC_HOST}:${config.HTTP_FLV_PORT}${streamPath}.flv${query}`,
        expiresAt,
      };
    },
    async start() {
      await Promise.all([deps.lines.init(), deps.pins.init(), deps.audit.init()]);
      await scheduler.refresh();
      await origin.start();
      await thumbnailer.start();
      await relays.start();
      liveReporter.start();
      health.start();
      syncTimer = setInterval(() => {
        viewers.sweep(now());
        Promise.all([ops.sweepPins(), scheduler.refresh()]).catch((error: unknown) =>
          logger.warn({ err: error }, 'reading lines and pins failed; keeping the last known'),
        );
      }, config.LINE_SYNC_INTERVAL_MS);
      syncTimer.unref();
    },
    async stop() {
      // Publishers are about to be cut off: end their streams now so villa
      // hears "offline" (bounded wait; reconciliation on the next start
      // repairs whatever does not get through).
      const at = Date.now();
      for (const stream of registry.list()) registry.end(stream.roomId, at);
      await Promise.race([liveReporter.idle(), new Promise((r) => setTimeout(r, config.DOWNSTREAM_TIMEOUT_MS).unref())]);
      liveReporter.stop();
      clearInterval(syncTimer);
      health.stop();
      thumbnailer.stop();
      relays.stop();
      await origin.stop();
    },
  };
}
