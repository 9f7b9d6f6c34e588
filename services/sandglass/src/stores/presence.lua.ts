// Lua for the Redis presence adapter. Every script works inside one shard:
// KEYS[1] is the shard's base key `<prefix>{sN}:` and every key a script
// touches is that base plus a suffix, so all of them share the `{sN}` hash
// tag and slot, which is what Redis Cluster needs for a multi-key script:
//   base..'u:'..uid   hash   since, last, mods (space-joined), plat
//   base..'dl'        zset   uid → deadline (last + threshold): the reaping order
//   base..'m:'..mod   zset   members of a module, score 0 so ZRANGEBYLEX pages by uid
//   base..'mods'      set    modules with at least one member in this shard
//   base..'d:'..uid   hash   'YYYY-MM-DD' → ms online that day (expires)
//   base..'chg'       set    uids whose durations changed since the last flush
//   base..'ev'        stream transitions (t type, u uid, m module, a at)
// The common ARGV head: now, threshold ms, events retained.

const COMMON = `
local base = KEYS[1]
local now = tonumber(ARGV[1])
local T = tonumber(ARGV[2])
local retained = ARGV[3]

local function words(s)
  local t = {}
  for w in string.gmatch(s or '', '%S+') do t[#t + 1] = w end
  return t
end

local function emit(kind, uid, at, module)
  if module then
    redis.call('XADD', base .. 'ev', 'MAXLEN', '~', retained, '*', 't', kind, 'u', uid, 'a', at, 'm', module)
  else
    redis.call('XADD', base .. 'ev', 'MAXLEN', '~', retained, '*', 't', kind, 'u', uid, 'a', at)
  end
end

local function join(uid, m, at)
  redis.call('ZADD', base .. 'm:' .. m, 0, uid)
  redis.call('SADD', base .. 'mods', m)
  emit('join', uid, at, m)
end

local function leave(uid, m, at)
  local k = base .. 'm:' .. m
  redis.call('ZREM', k, uid)
  if redis.call('EXISTS', k) == 0 then redis.call('SREM', base .. 'mods', m) end
  emit('leave', uid, at, m)
end

-- Ends a session: leaves every module, then offline, all stamped 'at'.
local function finish(uid, at)
  local ukey = base .. 'u:' .. uid
  for _, m in ipairs(words(redis.call('HGET', ukey, 'mods'))) do leave(uid, m, at) end
  redis.call('DEL', ukey)
  redis.call('ZREM', base .. 'dl', uid)
  emit('offline', uid, at)
end

-- Takes offline up to max users whose deadline has passed.
local function reap(max)
  local due = redis.call('ZRANGEBYSCORE', base .. 'dl', '-inf', now, 'WITHSCORES', 'LIMIT', 0, max)
  for i = 1, #due, 2 do finish(due[i], tonumber(due[i + 1])) end
  return #due / 2
end
`;

// Extra ARGV for scripts that add durations: today, start of today (ms),
// yesterday, retention ms. The stretch added is shorter than a day.
const DURATIONS = `
local today, todayStart, yesterday, retention = ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]

local function count(uid, from, to)
  if to <= from then return end
  local dk = base .. 'd:' .. uid
  if from >= todayStart then
    redis.call('HINCRBY', dk, today, to - from)
  else
    redis.call('HINCRBY', dk, yesterday, todayStart - from)
    if to > todayStart then redis.call('HINCRBY', dk, today, to - todayStart) end
  end
  redis.call('PEXPIRE', dk, retention)
  redis.call('SADD', base .. 'chg', uid)
end
`;

/** ARGV: head, durations, then (uid, platform, modules space-joined) per heartbeat. */
export const HEARTBEAT = `${COMMON}${DURATIONS}
for i = 8, #ARGV, 3 do
  local uid, plat, mods = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local ukey = base .. 'u:' .. uid
  local cur = redis.call('HMGET', ukey, 'last', 'mods')
  local last = tonumber(cur[1])
  local old = {}
  if last and last + T <= now then
    finish(uid, last + T)
    last = nil
  end
  if last then
    count(uid, last, now)
    if now > last then last = now end
    redis.call('HSET', ukey, 'last', last, 'plat', plat, 'mods', mods)
    old = words(cur[2])
  else
    last = now
    redis.call('HSET', ukey, 'since', now, 'last', now, 'plat', plat, 'mods', mods)
    emit('online', uid, now)
  end
  local new = words(mods)
  local inNew, inOld = {}, {}
  for _, m in ipairs(new) do inNew[m] = true end
  for _, m in ipairs(old) do
    inOld[m] = true
    if not inNew[m] then leave(uid, m, now) end
  end
  for _, m in ipairs(new) do
    if not inOld[m] then join(uid, m, now) end
  end
  redis.call('ZADD', base .. 'dl', last + T, uid)
end
return 1
`;

/** ARGV: head, durations, uid. Returns 1 when the user was online. */
export const OFFLINE = `${COMMON}${DURATIONS}
local uid = ARGV[8]
local last = tonumber(redis.call('HGET', base .. 'u:' .. uid, 'last'))
if not last then return 0 end
if last + T <= now then
  finish(uid, last + T)
  return 0
end
count(uid, last, now)
finish(uid, now)
return 1
`;

/** ARGV: head, max. Returns how many users were taken offline. */
export const REAP = `${COMMON}
return reap(tonumber(ARGV[4]))
`;

/** ARGV: head, reap max, modules... Reaps due users first, then counts. */
export const COUNTS = `${COMMON}
reap(tonumber(ARGV[4]))
local out = {}
for i = 5, #ARGV do out[#out + 1] = redis.call('ZCARD', base .. 'm:' .. ARGV[i]) end
return out
`;

/** ARGV: head, reap max, module, after ('' for the start), limit. */
export const MEMBERS = `${COMMON}
reap(tonumber(ARGV[4]))
local from = '-'
if ARGV[6] ~= '' then from = '(' .. ARGV[6] end
return redis.call('ZRANGEBYLEX', base .. 'm:' .. ARGV[5], from, '+', 'LIMIT', 0, tonumber(ARGV[7]))
`;

/** ARGV[1]: max. Pops changed users and returns {uid, HGETALL of durations} pairs. */
export const TAKE_CHANGED = `
local base = KEYS[1]
local uids = redis.call('SPOP', base .. 'chg', tonumber(ARGV[1]))
local out = {}
for _, uid in ipairs(uids) do
  out[#out + 1] = uid
  out[#out + 1] = redis.call('HGETALL', base .. 'd:' .. uid)
end
return out
`;
