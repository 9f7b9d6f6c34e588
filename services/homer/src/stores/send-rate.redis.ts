// Many-node send-rate limiter: GCRA in one Lua script on Redis' own clock,
// so nodes with skewed clocks still share one bucket per key.
import type { HotState } from '@bamboo/engines';
import type { Redis } from 'ioredis';
import { guardRedis as guard, redisOf } from '@bamboo/engines';
import type { SendRate } from './send-rate.js';

// KEYS: the bucket. ARGV: interval ms, burst. Returns {allowed, retryAfterMs}.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nxt = tat + interval
local over = nxt - now - interval * tonumber(ARGV[2])
if over > 0 then return {0, math.ceil(over)} end
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.max(1, math.ceil(nxt - now)))
return {1, 0}`;

type Client = Redis & { homerTake(key: string, interval: number, burst: number): Promise<[number, number]> };

export function createRedisSendRate(hot: HotState): SendRate {
  const client = redisOf(hot).redis as Client;
  client.defineCommand('homerTake', { numberOfKeys: 1, lua: TAKE });
  return {
    async take(key, limit) {
      const [allowed, retryAfterMs] = await guard(client.homerTake(`rate:{${key}}`, 1000 / limit.ratePerS, limit.burst));
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
    },
  };
}
