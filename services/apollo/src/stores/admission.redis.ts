// AdmissionStore on Redis: GCRA and the daily quota in one Lua script, so a
// request costs one round trip and every apollo node sees the same buckets.
// The script reads Redis' clock, so nodes with skewed clocks still agree.
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '@bamboo/kit';
import type { AdmissionStore } from './admission.js';

// KEYS: bucket, quota, live key. ARGV: limit, windowMs, quotaLimit (-1 = none), quotaTtlMs, check live key (1/0).
// Returns {allowed, reason, remaining, resetMs, retryAfterMs, quotaRemaining}.
const ADMIT = `
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then
  return {0, 'revoked', 0, 0, 0, -1}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local quota = tonumber(ARGV[3])
local emission = window / limit
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local newTat = tat + emission
local allowAt = newTat - window
if allowAt - now > 1e-6 then
  return {0, 'rate', 0, math.ceil(tat - now), math.ceil(allowAt - now), -1}
end
local remaining = math.floor((window - (newTat - now)) / emission + 1e-6)
local quotaRemaining = -1
if quota >= 0 then
  local used = tonumber(redis.call('GET', KEYS[2]) or '0')
  if used >= quota then
    local ttl = redis.call('PTTL', KEYS[2])
    return {0, 'quota', remaining + 1, 0, math.max(ttl, 0), 0}
  end
  if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
  quotaRemaining = quota - used - 1
end
-- At least 1 ms: with a huge limit the emission interval vanishes in now's precision.
local ttl = math.max(1, math.ceil(newTat - now))
redis.call('SET', KEYS[1], tostring(newTat), 'PX', ttl)
return {1, '', remaining, ttl, 0, quotaRemaining}`;

type WithAdmit = Redis & {
  apolloAdmit(bucket: string, quota: string, live: string, ...args: Array<string | number>): Promise<[number, string, number, number, number, number]>;
};

/** `redis` is the hot state's prefixed client (`hot.redis`). */
export function redisAdmissionStore(redis: Redis): AdmissionStore {
  const client = redis as WithAdmit;
  if (typeof client.apolloAdmit !== 'function') client.defineCommand('apolloAdmit', { numberOfKeys: 3, lua: ADMIT });
  return {
    async admit({ rateKey, limit, windowMs, quota, liveKey }) {
      let reply: [number, string, number, number, number, number];
      try {
        reply = await client.apolloAdmit(
          rateKey,
          quota?.key ?? `${rateKey}:noquota`,
          liveKey ?? rateKey,
          limit,
          windowMs,
          quota?.limit ?? -1,
          quota?.ttlMs ?? 0,
          liveKey ? 1 : 0,
        );
      } catch (error) {
        if (error instanceof ServiceUnavailableError) throw error;
        throw new ServiceUnavailableError(`rate limits unavailable: ${(error as Error).message}`, 'limits_unavailable');
      }
      const [allowed, reason, remaining, resetMs, retryAfterMs, quotaRemaining] = reply;
      return {
        allowed: allowed === 1,
        ...(reason === 'rate' || reason === 'quota' || reason === 'revoked' ? { reason } : {}),
        remaining,
        resetMs,
        retryAfterMs,
        ...(quotaRemaining >= 0 ? { quotaRemaining } : {}),
      };
    },
  };
}
