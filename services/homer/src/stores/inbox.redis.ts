// Many-node inbox on Redis: per user a counter for ids, a sorted set of ids
// (the order), a hash of messages and a hash of delivery counts, all under
// the user's hash tag and changed only by Lua scripts, one per call.
import type { HotState } from '@bamboo/engines';
import type { Redis } from 'ioredis';
import { guardRedis as guard, redisOf } from '@bamboo/engines';
import { ID_MEMORY_MS, type Inbox, type InboxOptions, type UnicastMessage } from './inbox.js';

// KEYS: seq, ids, msgs, tries. ARGV: json head, json tail, max size, key ttl ms, id memory ms.
const PUT = `
local id = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local msg = ARGV[1] .. id .. ARGV[2]
redis.call('ZADD', KEYS[2], id, id)
redis.call('HSET', KEYS[3], id, msg)
local dropped = 0
local n = redis.call('ZCARD', KEYS[2])
local max = tonumber(ARGV[3])
if n > max then
  local old = redis.call('ZRANGE', KEYS[2], 0, n - max - 1)
  for _, o in ipairs(old) do
    redis.call('HDEL', KEYS[3], o)
    redis.call('HDEL', KEYS[4], o)
    redis.call('ZREM', KEYS[2], o)
  end
  dropped = #old
end
local ttl = tonumber(ARGV[4])
for i = 2, 4 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return {id, msg, dropped}`;

// KEYS: ids, msgs, tries. ARGV: now ms, max deliveries. Returns {expired, capped, msgs...}.
const LOAD = `
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local out = {0, 0}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local msg = redis.call('HGET', KEYS[2], id)
  local gone = nil
  if not msg then
    gone = 0
  elseif tonumber(cjson.decode(msg).expiresAt) <= now then
    gone = 1
  elseif tonumber(redis.call('HGET', KEYS[3], id) or '0') >= max then
    gone = 2
  end
  if gone then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    if gone > 0 then out[gone] = out[gone] + 1 end
  else
    redis.call('HINCRBY', KEYS[3], id, 1)
    table.insert(out, msg)
  end
end
return out`;

// KEYS: ids, msgs, tries. ARGV: ids. Returns removed.
const ACK = `
local removed = 0
for _, id in ipairs(ARGV) do
  if redis.call('ZREM', KEYS[1], id) == 1 then
    removed = removed + 1
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
  end
end
return removed`;

const KEY_MARGIN_MS = 3600_000;

type Client = Redis & {
  homerInboxPut(...args: Array<string | number>): Promise<[number, string, number]>;
  homerInboxLoad(...args: Array<string | number>): Promise<[number, number, ...string[]]>;
  homerInboxAck(...args: Array<string | number>): Promise<number>;
};

const keys = (uid: string) => {
  const tag = `inbox:{${uid}}`;
  return { seq: `${tag}:seq`, ids: `${tag}:ids`, msgs: `${tag}:msgs`, tries: `${tag}:tries` };
};

export function createRedisInbox(hot: HotState, options: InboxOptions): Inbox {
  const client = redisOf(hot).redis as Client;
  client.defineCommand('homerInboxPut', { numberOfKeys: 4, lua: PUT });
  client.defineCommand('homerInboxLoad', { numberOfKeys: 3, lua: LOAD });
  client.defineCommand('homerInboxAck', { numberOfKeys: 3, lua: ACK });

  return {
    async put(uid, draft) {
      const k = keys(uid);
      const ts = Date.now();
      const rest = JSON.stringify({ uid, ts, ...draft });
      // Keys outlive the message by a margin, so a load still finds it expired and counts it.
      const ttl = Math.max(1, draft.expiresAt - ts) + KEY_MARGIN_MS;
      const [, json, dropped] = await guard(
        client.homerInboxPut(k.seq, k.ids, k.msgs, k.tries, '{"id":', `,${rest.slice(1)}`, options.maxSize, ttl, ID_MEMORY_MS),
      );
      return { message: JSON.parse(json) as UnicastMessage, json, dropped };
    },

    async load(uid) {
      const k = keys(uid);
      const [expired, capped, ...raw] = await guard(client.homerInboxLoad(k.ids, k.msgs, k.tries, Date.now(), options.maxDeliveries));
      return { messages: raw.map((m) => JSON.parse(m) as UnicastMessage), expired, capped };
    },

    async ack(uid, ids) {
      if (ids.length === 0) return { removed: 0, unknown: 0 };
      const k = keys(uid);
      const removed = await guard(client.homerInboxAck(k.ids, k.msgs, k.tries, ...ids));
      return { removed, unknown: ids.length - removed };
    },

    async size(uid) {
      return guard(client.zcard(keys(uid).ids));
    },
  };
}
