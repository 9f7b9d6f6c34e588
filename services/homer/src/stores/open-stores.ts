// homer's stores on the engine the hot state runs on: in-process on memory,
// shared by every homer node on Redis.
import type { HotState } from '@bamboo/engines';
import type { RoomBus, RoomBusOptions } from './room-bus.js';
import { createMemoryRoomBus } from './room-bus.memory.js';
import { createRedisRoomBus } from './room-bus.redis.js';
import type { GatewayRegistry } from './gateway-registry.js';
import { createMemoryGatewayRegistry } from './gateway-registry.memory.js';
import { createRedisGatewayRegistry } from './gateway-registry.redis.js';

export interface Stores {
  bus: RoomBus;
  registry: GatewayRegistry;
}

export function openStores(hot: HotState, options: RoomBusOptions): Stores {
  if (hot.kind === 'redis') return { bus: createRedisRoomBus(hot, options), registry: createRedisGatewayRegistry(hot) };
  return { bus: createMemoryRoomBus(options), registry: createMemoryGatewayRegistry() };
}
