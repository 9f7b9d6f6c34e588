// Assembles one homer node from its config and engines: stores, the HTTP
// app and the gateway. main.ts serves it; tests start several on one Redis.
import type { Logger, ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import { createApp } from './app.js';
import { Gateway } from './gateway/gateway.js';
import { heartbeatFor } from './logic/heartbeat.js';
import { villaRoomCatalog, type RoomCatalog } from './logic/rooms.js';
import { ticketSecret } from './logic/ticket.js';
import { sandglassPresence, type PresenceSink } from './logic/presence.js';
import { openStores } from './stores/open-stores.js';

export interface HomerNode {
  app: ServiceApp;
  gateway: Gateway;
}

/** Stand-ins for the services homer calls (tests); villa and sandglass over HTTP otherwise. */
export interface Peers {
  rooms?: RoomCatalog;
  presence?: PresenceSink;
}

export function buildHomer(config: Config, logger: Logger, engines: Engines, peers: Peers = {}): HomerNode {
  const { bus, registry } = openStores(engines.hot, {
    historySize: config.HOMER_HISTORY_SIZE,
    historyTtlMs: config.HOMER_HISTORY_TTL_MS,
    idempotencyTtlMs: config.HOMER_IDEMPOTENCY_TTL_MS,
  });
  const catalog = peers.rooms ?? villaRoomCatalog({ baseUrl: config.VILLA_URL, internalKey: config.BAMBOO_INTERNAL_KEY });
  const secret = ticketSecret(config.HOMER_TICKET_SECRET, config.BAMBOO_INTERNAL_KEY);
  const app = createApp({ config, logger, engines, bus, registry, rooms: catalog, ticketSecret: secret });
  const gateway = new Gateway({
    bus,
    registry,
    rooms: catalog,
    logger,
    settings: {
      ticketSecret: secret,
      authTimeoutMs: config.HOMER_AUTH_TIMEOUT_MS,
      heartbeatMs: (network) =>
        heartbeatFor(network, { defaultMs: config.HOMER_HEARTBEAT_MS, cellularMs: config.HOMER_HEARTBEAT_CELLULAR_MS }),
      sendBufferBytes: config.HOMER_SEND_BUFFER_BYTES,
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
  return { app, gateway };
}
