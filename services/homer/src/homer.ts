// Assembles one homer node from its config and engines: stores, the HTTP
// app and the gateway. main.ts serves it; tests start several on one Redis.
import type { Logger, ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import { createApp } from './app.js';
import { Gateway } from './gateway/gateway.js';
import { heartbeatFor } from './logic/heartbeat.js';
import { cachedPermissions, villaRoomCatalog, type RoomCatalog } from './logic/rooms.js';
import { bannedWords } from './logic/moderation.js';
import { gatewayControl } from './stores/gateway-control.js';
import { registerHomerMetrics } from './metrics.js';
import { HomerStats } from './stats.js';
import { ticketSecret } from './logic/ticket.js';
import { sandglassPresence, type PresenceSink } from './logic/presence.js';
import { openStores } from './stores/open-stores.js';

export interface HomerNode {
  app: ServiceApp;
  gateway: Gateway;
  stats: HomerStats;
}

/** Stand-ins for the services homer calls (tests); villa and sandglass over HTTP otherwise. */
export interface Peers {
  rooms?: RoomCatalog;
  presence?: PresenceSink;
}

export function buildHomer(config: Config, logger: Logger, engines: Engines, peers: Peers = {}): HomerNode {
  const { bus, registry, inbox, sendRate } = openStores(engines.hot, {
    historySize: config.HOMER_HISTORY_SIZE,
    historyTtlMs: config.HOMER_HISTORY_TTL_MS,
    idempotencyTtlMs: config.HOMER_IDEMPOTENCY_TTL_MS,
    inbox: { maxSize: config.HOMER_INBOX_MAX, maxDeliveries: config.HOMER_INBOX_MAX_DELIVERIES },
  });
  const control = gatewayControl(engines.hot);
  const stats = new HomerStats();
  const catalog = cachedPermissions(
    peers.rooms ?? villaRoomCatalog({ baseUrl: config.VILLA_URL, internalKey: config.BAMBOO_INTERNAL_KEY }),
    config.HOMER_PERMISSION_CACHE_MS,
  );
  const secret = ticketSecret(config.HOMER_TICKET_SECRET, config.BAMBOO_INTERNAL_KEY);
  const { app, metrics } = createApp({
    config,
    logger,
    engines,
    bus,
    registry,
    inbox,
    sendRate,
    control,
    rooms: catalog,
    banned: bannedWords(config.HOMER_BANNED_WORDS, config.HOMER_BANNED_WORDS_MODE),
    stats,
    ticketSecret: secret,
  });
  const gateway = new Gateway({
    bus,
    registry,
    rooms: catalog,
    inbox,
    control,
    stats,
    logger,
    shards: config.HOMER_ROOM_SHARDS,
    windowBudget: config.HOMER_WINDOW_BUDGET,
    settings: {
      ticketSecret: secret,
      authTimeoutMs: config.HOMER_AUTH_TIMEOUT_MS,
      heartbeatMs: (network) =>
        heartbeatFor(network, { defaultMs: config.HOMER_HEARTBEAT_MS, cellularMs: config.HOMER_HEARTBEAT_CELLULAR_MS }),
      sendBufferBytes: config.HOMER_SEND_BUFFER_BYTES,
      sendBufferFrames: config.HOMER_SEND_BUFFER_FRAMES,
      slowConsumerGraceMs: config.HOMER_SLOW_CONSUMER_GRACE_MS,
      maxRooms: config.HOMER_MAX_ROOMS_PER_CONN,
    },
    maxClientFrameBytes: config.HOMER_MAX_CLIENT_FRAME_BYTES,
    batchWindowMs: config.HOMER_BATCH_WINDOW_MS,
    registerEveryMs: config.HOMER_REGISTER_EVERY_MS,
    gatewayTtlMs: config.HOMER_GATEWAY_TTL_MS,
    publicHost: config.HOMER_PUBLIC_HOST ?? config.HOST,
    ...(config.HOMER_GATEWAY_ID ? { id: config.HOMER_GATEWAY_ID } : {}),
    region: config.HOMER_REGION,
    isp: config.HOMER_ISP,
    ...(config.HOMER_PRESENCE_REPORT
      ? {
          presence: {
            sink:
              peers.presence ??
              sandglassPresence({ baseUrl: config.SANDGLASS_URL, internalKey: config.BAMBOO_INTERNAL_KEY, batchSize: config.HOMER_PRESENCE_BATCH }),
            everyMs: config.HOMER_PRESENCE_EVERY_MS,
            maxModules: config.HOMER_PRESENCE_MAX_MODULES,
          },
        }
      : {}),
  });
  registerHomerMetrics(metrics.registry, stats, gateway);
  return { app, gateway, stats };
}
