// What the routes work with, built once in homer.ts (or a test).
import type { Config } from '../config.js';
import type { RoomCatalog } from '../logic/rooms.js';
import type { BannedWords } from '../logic/moderation.js';
import type { RoomBus } from '../stores/room-bus.js';
import type { GatewayRegistry } from '../stores/gateway-registry.js';
import type { Inbox } from '../stores/inbox.js';
import type { SendRate } from '../stores/send-rate.js';
import type { GatewayControl } from '../stores/gateway-control.js';
import type { HomerStats } from '../stats.js';

export interface HomerContext {
  config: Config;
  bus: RoomBus;
  registry: GatewayRegistry;
  inbox: Inbox;
  sendRate: SendRate;
  control: GatewayControl;
  /** villa, with send permissions cached. */
  rooms: RoomCatalog;
  banned: BannedWords;
  stats: HomerStats;
  ticketSecret: Buffer;
}
