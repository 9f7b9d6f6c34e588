// What the routes work with, built once in main.ts (or a test).
import type { Config } from '../config.js';
import type { RoomCatalog } from '../logic/rooms.js';
import type { RoomBus } from '../stores/room-bus.js';
import type { GatewayRegistry } from '../stores/gateway-registry.js';

export interface HomerContext {
  config: Config;
  bus: RoomBus;
  registry: GatewayRegistry;
  rooms: RoomCatalog;
  ticketSecret: Buffer;
}
