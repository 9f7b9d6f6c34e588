// One-process gateway registry.
import type { GatewayInfo, GatewayRegistry } from './gateway-registry.js';

interface Entry {
  info: GatewayInfo;
  expiresAt: number;
  rooms: Record<string, number>;
}

export function createMemoryGatewayRegistry(): GatewayRegistry {
  const gateways = new Map<string, Entry>();
  const live = (): Entry[] => {
    const now = Date.now();
    for (const [id, entry] of gateways) if (entry.expiresAt <= now) gateways.delete(id);
    return [...gateways.values()];
  };
  return {
    async beat(info, roomCounts, ttlMs) {
      gateways.set(info.id, { info, expiresAt: Date.now() + ttlMs, rooms: { ...roomCounts } });
    },
    async remove(id) {
      gateways.delete(id);
    },
    async alive() {
      return live().map((e) => e.info);
    },
    async countsByGateway(room) {
      const out: Record<string, number> = {};
      for (const entry of live()) {
        const n = entry.rooms[room];
        if (n) out[entry.info.id] = n;
      }
      return out;
    },
  };
}
