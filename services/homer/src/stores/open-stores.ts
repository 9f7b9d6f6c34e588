// homer's stores on the engine the hot state runs on: in-process on memory,
// shared by every homer node on Redis.
import type { HotState } from '@bamboo/engines';
import type { RoomBus, RoomBusOptions } from './room-bus.js';
import { createMemoryRoomBus } from './room-bus.memory.js';
import { createRedisRoomBus } from './room-bus.redis.js';
import type { GatewayRegistry } from './gateway-registry.js';
import { createMemoryGatewayRegistry } from './gateway-registry.memory.js';
import { createRedisGatewayRegistry } from './gateway-registry.redis.js';
import type { Inbox, InboxOptions } from './inbox.js';
import { createMemoryInbox } from './inbox.memory.js';
import { createRedisInbox } from './inbox.redis.js';
import type { SendRate } from './send-rate.js';
import { createMemorySendRate } from './send-rate.memory.js';
import { createRedisSendRate } from './send-rate.redis.js';

export interface Stores {
  bus: RoomBus;
  registry: GatewayRegistry;
  inbox: Inbox;
  sendRate: SendRate;
}

export function openStores(hot: HotState, options: RoomBusOptions & { inbox: InboxOptions }): Stores {
  if (hot.kind === 'redis') {
    return {
      bus: createRedisRoomBus(hot, options),
      registry: createRedisGatewayRegistry(hot),
      inbox: createRedisInbox(hot, options.inbox),
      sendRate: createRedisSendRate(hot),
    };
  }
  return {
    bus: createMemoryRoomBus(options),
    registry: createMemoryGatewayRegistry(),
    inbox: createMemoryInbox(options.inbox),
    sendRate: createMemorySendRate(),
  };
}
