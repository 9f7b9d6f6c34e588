// Many-node gateway registry on Redis:
//   gateways            ZSET  id → expiry (epoch ms)
//   gateway:info        HASH  id → GatewayInfo JSON
//   gateway:rooms:<id>  SET   rooms the gateway last reported
//   online:<room>       HASH  gateway id → connections
// A beat is one Lua script, so a room's counts are never half-replaced. The
// online:<room> keys are named inside the scripts (their number varies), so
// the scripts add the key prefix by hand; this registry is single-slot data
// and does not target Redis Cluster.
import type { HotState } from '@bamboo/engines';
import type { Redis } from 'ioredis';
import { guardRedis as guard, redisOf } from '@bamboo/engines';
import type { GatewayInfo, GatewayRegistry } from './gateway-registry.js';

// KEYS: gateways, gateway:info, gateway:rooms:<id>. ARGV: id, info, expiresAt,
// now, key prefix, then room, count pairs.
const BEAT = `
local id = ARGV[1]
redis.call('ZADD', KEYS[1], ARGV[3], id)
redis.call('HSET', KEYS[2], id, ARGV[2])
local old = redis.call('SMEMBERS', KEYS[3])
for _, room in ipairs(old) do redis.call('HDEL', ARGV[5] .. 'online:' .. room, id) end
redis.call('DEL', KEYS[3])
for i = 6, #ARGV, 2 do
  redis.call('HSET', ARGV[5] .. 'online:' .. ARGV[i], id, ARGV[i + 1])
  redis.call('SADD', KEYS[3], ARGV[i])
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
for _, gone in ipairs(dead) do
  redis.call('ZREM', KEYS[1], gone)
  redis.call('HDEL', KEYS[2], gone)
end
return #dead`;

// KEYS: online:<room>, gateways. ARGV: now. Returns id, count pairs of live gateways.
const COUNTS = `
local pairs_ = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #pairs_, 2 do
  local expires = redis.call('ZSCORE', KEYS[2], pairs_[i])
  if expires and tonumber(expires) > tonumber(ARGV[1]) then
    table.insert(out, pairs_[i]); table.insert(out, pairs_[i + 1])
  end
end
return out`;

// KEYS: gateways, gateway:info, gateway:rooms:<id>. ARGV: id, key prefix.
const REMOVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
for _, room in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('HDEL', ARGV[2] .. 'online:' .. room, ARGV[1]) end
redis.call('DEL', KEYS[3])
return 1`;

type Client = Redis & {
  homerGatewayBeat(...args: Array<string | number>): Promise<number>;
  homerGatewayCounts(...args: Array<string | number>): Promise<string[]>;
  homerGatewayRemove(...args: Array<string | number>): Promise<number>;
};

const GATEWAYS = 'gateways';
const INFO = 'gateway:info';
const roomsOf = (id: string): string => `gateway:rooms:${id}`;

export function createRedisGatewayRegistry(hot: HotState): GatewayRegistry {
  const { redis, prefix } = redisOf(hot);
  const client = redis as Client;
  client.defineCommand('homerGatewayBeat', { numberOfKeys: 3, lua: BEAT });
  client.defineCommand('homerGatewayCounts', { numberOfKeys: 2, lua: COUNTS });
  client.defineCommand('homerGatewayRemove', { numberOfKeys: 3, lua: REMOVE });

  return {
    async beat(info, roomCounts, ttlMs) {
      const now = Date.now();
      const pairs = Object.entries(roomCounts).flatMap(([room, n]) => [room, n]);
      await guard(
        client.homerGatewayBeat(GATEWAYS, INFO, roomsOf(info.id), info.id, JSON.stringify(info), now + ttlMs, now, prefix, ...pairs),
      );
    },
    async remove(id) {
      await guard(client.homerGatewayRemove(GATEWAYS, INFO, roomsOf(id), id, prefix));
    },
    async alive() {
      const ids = await guard(client.zrangebyscore(GATEWAYS, `(${Date.now()}`, '+inf'));
      if (ids.length === 0) return [];
      const infos = await guard(client.hmget(INFO, ...ids));
      return infos.filter((s): s is string => s !== null).map((s) => JSON.parse(s) as GatewayInfo);
    },
    async countsByGateway(room) {
      const flat = await guard(client.homerGatewayCounts(`online:${room}`, GATEWAYS, Date.now()));
      const out: Record<string, number> = {};
      for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = Number(flat[i + 1]);
      return out;
    },
  };
}
