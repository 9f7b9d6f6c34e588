// Every adapter of homer's stores against its contract: memory always, Redis
// when there is one (never skipped under CI).
import type { HotState } from '@bamboo/engines';
import { openRedisHotState } from '@bamboo/engines';
import { deleteRedisKeys, describeRedis, uniquePrefix } from '@bamboo/testing';
import { roomBusContract } from '../src/stores/room-bus.contract.js';
import { gatewayRegistryContract } from '../src/stores/gateway-registry.contract.js';
import { createMemoryRoomBus } from '../src/stores/room-bus.memory.js';
import { createRedisRoomBus } from '../src/stores/room-bus.redis.js';
import { createMemoryGatewayRegistry } from '../src/stores/gateway-registry.memory.js';
import { createRedisGatewayRegistry } from '../src/stores/gateway-registry.redis.js';
import { inboxContract } from '../src/stores/inbox.contract.js';
import { createMemoryInbox } from '../src/stores/inbox.memory.js';
import { createRedisInbox } from '../src/stores/inbox.redis.js';
import { sendRateContract } from '../src/stores/send-rate.contract.js';
import { createMemorySendRate } from '../src/stores/send-rate.memory.js';
import { createRedisSendRate } from '../src/stores/send-rate.redis.js';

roomBusContract('memory', {
  async open(options) {
    const bus = createMemoryRoomBus(options);
    return { a: bus, b: bus, close: async () => undefined };
  },
});

gatewayRegistryContract('memory', {
  async open() {
    const registry = createMemoryGatewayRegistry();
    return { a: registry, b: registry, close: async () => undefined };
  },
});

inboxContract('memory', {
  async open(options) {
    const inbox = createMemoryInbox(options);
    return { a: inbox, b: inbox, close: async () => undefined };
  },
});

sendRateContract('memory', {
  async open() {
    const rate = createMemorySendRate();
    return { a: rate, b: rate, close: async () => undefined };
  },
});

/** Two hot states on one Redis and prefix: two homer nodes. */
async function twoNodes(url: string): Promise<{ hots: [HotState, HotState]; close(): Promise<void> }> {
  const prefix = uniquePrefix('homer');
  const hots: [HotState, HotState] = [openRedisHotState({ url, keyPrefix: prefix }), openRedisHotState({ url, keyPrefix: prefix })];
  return {
    hots,
    close: async () => {
      await Promise.all(hots.map((h) => h.close()));
      await deleteRedisKeys(url, prefix);
    },
  };
}

describeRedis('homer stores on Redis', (url) => {
  roomBusContract('redis', {
    async open(options) {
      const { hots, close } = await twoNodes(url);
      return { a: createRedisRoomBus(hots[0], options), b: createRedisRoomBus(hots[1], options), close };
    },
  });
  gatewayRegistryContract('redis', {
    async open() {
      const { hots, close } = await twoNodes(url);
      return { a: createRedisGatewayRegistry(hots[0]), b: createRedisGatewayRegistry(hots[1]), close };
    },
  });
  inboxContract('redis', {
    async open(options) {
      const { hots, close } = await twoNodes(url);
      return { a: createRedisInbox(hots[0], options), b: createRedisInbox(hots[1], options), close };
    },
  });
  sendRateContract('redis', {
    async open() {
      const { hots, close } = await twoNodes(url);
      return { a: createRedisSendRate(hots[0]), b: createRedisSendRate(hots[1]), close };
    },
  });
});
