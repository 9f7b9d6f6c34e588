// AdmissionStore on Redis: GCRA and the daily quota in one Lua script on
// Redis' clock, so every apollo node sees the same buckets and nodes with
// skewed clocks still agree.
//
// The admissions asked for during one turn of the event loop go to Redis as
// one call of the script, which decides them one after the other. One
// command to encode, send and parse per turn instead of one per request:
// ioredis' work per command (command object, key prefixing, callbacks, reply
// parsing) cost more of apollo's CPU than the rest of a forwarded request's
// limit check. Each decision stays as exact as a script of its own: the whole
// batch is one atomic step on the one Redis every node shares (the hot state
// is a single Redis, not a Cluster, so one call may hold many clients' keys).
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '@bamboo/kit';
import type { AdmissionRequest, AdmissionResult, AdmissionStore } from './admission.js';

// KEYS, per request: bucket, quota, live key.
// ARGV, per request: limit, windowMs, quotaLimit (-1 = none), quotaTtlMs, check live key (1/0).
// Returns, per request: outcome (0 allowed, 1 rate, 2 quota, 3 revoked), remaining, resetMs, retryAfterMs, quotaRemaining (-1 = none).
const ADMIT_BATCH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function admit(bucket, quotaKey, liveKey, limit, window, quota, quotaTtl, checkLive)
  if checkLive == '1' and redis.call('EXISTS', liveKey) == 0 then return 3, 0, 0, 0, -1 end
  local emission = window / limit
  local stored = redis.call('GET', bucket)
  local tat = now
  if stored then tat = math.max(tonumber(stored), now) end
  local newTat = tat + emission
  local allowAt = newTat - window
  if allowAt - now > 1e-6 then return 1, 0, math.ceil(tat - now), math.ceil(allowAt - now), -1 end
  local remaining = math.floor((window - (newTat - now)) / emission + 1e-6)
  local quotaRemaining = -1
  if quota >= 0 then
    local used = tonumber(redis.call('GET', quotaKey) or '0')
    if used >= quota then return 2, remaining + 1, 0, math.max(redis.call('PTTL', quotaKey), 0), 0 end
    if redis.call('INCR', quotaKey) == 1 then redis.call('PEXPIRE', quotaKey, quotaTtl) end
    quotaRemaining = quota - used - 1
  end
  -- At least 1 ms: with a huge limit the emission interval vanishes in now's precision.
  local ttl = math.max(1, math.ceil(newTat - now))
  redis.call('SET', bucket, tostring(newTat), 'PX', ttl)
  return 0, remaining, ttl, 0, quotaRemaining
end
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local k, a = i * 3, i * 5
  local outcome, remaining, reset, retry, quotaLeft = admit(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3],
    tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), ARGV[a + 4], ARGV[a + 5])
  out[a + 1], out[a + 2], out[a + 3], out[a + 4], out[a + 5] = outcome, remaining, reset, retry, quotaLeft
end
return out`;

/** Values per request in the script's reply. */
const REPLY_WIDTH = 5;
/** Requests per script call: a larger turn is split, so one call never holds Redis long. */
const MAX_BATCH = 256;
/** The reason of each refusing outcome (1, 2, 3). */
const REASONS = { 1: 'rate', 2: 'quota', 3: 'revoked' } as const;

type WithAdmitBatch = Redis & { apolloAdmitBatch(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number[]> };

interface Waiting {
  request: AdmissionRequest;
  resolve(result: AdmissionResult): void;
  reject(error: unknown): void;
}

/** `redis`: a connection with the hot state's key prefix (its own, so a turn's batch never waits behind other commands). */
export function redisAdmissionStore(redis: Redis): AdmissionStore {
  const client = redis as WithAdmitBatch;
  if (typeof client.apolloAdmitBatch !== 'function') client.defineCommand('apolloAdmitBatch', { lua: ADMIT_BATCH });
  let waiting: Waiting[] = [];

  const flush = () => {
    const turn = waiting;
    waiting = [];
    for (let from = 0; from < turn.length; from += MAX_BATCH) send(client, turn.slice(from, from + MAX_BATCH));
  };

  return {
    admit(request) {
      return new Promise((resolve, reject) => {
        // setImmediate, not nextTick: it runs after every I/O callback of this
        // turn, so requests read from different connections share one call.
        if (waiting.push({ request, resolve, reject }) === 1) setImmediate(flush);
      });
    },
  };
}

function send(client: WithAdmitBatch, batch: Waiting[]): void {
  const keys: string[] = [];
  const args: Array<string | number> = [];
  for (const { request } of batch) {
    const { rateKey, quota, liveKey } = request;
    keys.push(rateKey, quota?.key ?? `${rateKey}:noquota`, liveKey ?? rateKey);
    args.push(request.limit, request.windowMs, quota?.limit ?? -1, quota?.ttlMs ?? 0, liveKey ? 1 : 0);
  }
  client.apolloAdmitBatch(keys.length, ...keys, ...args).then(
    (reply) => {
      // A reply of another shape must not read as "allowed".
      if (!Array.isArray(reply) || reply.length !== batch.length * REPLY_WIDTH) return fail(batch, new Error('the limits script answered a reply of the wrong size'));
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(resultAt(reply, i * REPLY_WIDTH));
    },
    (error: unknown) => fail(batch, error),
  );
}

function fail(batch: Waiting[], error: unknown): void {
  const failure =
    error instanceof ServiceUnavailableError ? error : new ServiceUnavailableError(`rate limits unavailable: ${(error as Error).message}`, 'limits_unavailable');
  for (const { reject } of batch) reject(failure);
}

function resultAt(reply: number[], at: number): AdmissionResult {
  const outcome = reply[at]!;
  const quotaRemaining = reply[at + 4]!;
  const result: AdmissionResult = { allowed: outcome === 0, remaining: reply[at + 1]!, resetMs: reply[at + 2]!, retryAfterMs: reply[at + 3]! };
  if (outcome !== 0) result.reason = REASONS[outcome as 1 | 2 | 3];
  if (quotaRemaining >= 0) result.quotaRemaining = quotaRemaining;
  return result;
}
