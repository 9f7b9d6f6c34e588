// Lua for the Redis presence adapter. Every script works inside one shard:
// KEYS[1] is the shard's base key `<prefix>{sN}:` and every key a script
// touches is that base plus a suffix, so all of them share the `{sN}` hash
// tag and slot, which is what Redis Cluster needs for a multi-key script:
//   base..'u:'..uid   hash   since, last (latest heartbeat of any source), plat,
//                            and per source 's:'..source = '<its last> <its modules space-joined>'
//   base..'dl'        zset   '<uid> <source>' → that source's deadline (its last + threshold):
//                            the reaping order
//   base..'m:'..mod   zset   members of a module, score 0 so ZRANGEBYLEX pages by uid
//   base..'mods'      set    modules with at least one member in this shard
//   base..'d:'..uid   hash   'YYYY-MM-DD' → ms online that day (expires)
//   base..'chg'       set    uids whose durations changed since the last flush
//   base..'ev'        stream transitions (t type, u uid, m module, a at)
// A user is in the union of their sources' modules (module zsets hold that
// union). A user hash written before sources existed (a 'mods' field, and a
// deadline member that is the bare uid) is read as the one source 'app'.
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

-- A source's modules as a list (parsed on first use: a heartbeat that
-- repeats its list never needs them).
local function modsOf(s)
  if not s.mods then s.mods = words(s.raw) end
  return s.mods
end

-- The user hash as {last, srcs = {source = {last, raw}}, ...}; last is nil when offline.
local function load(uid)
  local h = redis.call('HGETALL', base .. 'u:' .. uid)
  local u = { srcs = {} }
  local any = false
  for i = 1, #h, 2 do
    local k = h[i]
    if string.byte(k, 1) == 115 and string.byte(k, 2) == 58 then -- 's:'
      local at, raw = string.match(h[i + 1], '^(%d+) ?(.*)$')
      u.srcs[string.sub(k, 3)] = { last = tonumber(at), raw = raw }
      any = true
    else
      u[k] = h[i + 1]
    end
  end
  u.last = tonumber(u.last)
  if u.last and not any then
    u.srcs.app = { last = u.last, raw = u.mods or '' }
    u.legacy = true
  end
  return u
end

-- Modules of every source but 'except', as a set.
local function others(u, except)
  local set = {}
  for name, s in pairs(u.srcs) do
    if name ~= except then for _, m in ipairs(modsOf(s)) do set[m] = true end end
  end
  return set
end

-- Source names, the latest first (ties by name): the order status reports modules in.
local function byLatest(u)
  local names = {}
  for name in pairs(u.srcs) do names[#names + 1] = name end
  table.sort(names, function(a, b)
    local x, y = u.srcs[a].last, u.srcs[b].last
    if x ~= y then return x > y end
    return a < b
  end)
  return names
end

local function member(uid, source) return uid .. ' ' .. source end

-- One source timed out at 'at': its modules no other source has are left;
-- the last source takes the user offline.
local function expire(uid, u, source, at)
  local gone = u.srcs[source]
  u.srcs[source] = nil
  local rest = others(u, nil)
  for _, m in ipairs(modsOf(gone)) do
    if not rest[m] then leave(uid, m, at) end
  end
  redis.call('ZREM', base .. 'dl', member(uid, source))
  if next(u.srcs) == nil then
    redis.call('DEL', base .. 'u:' .. uid)
    emit('offline', uid, at)
    u.last = nil
  else
    redis.call('HDEL', base .. 'u:' .. uid, 's:' .. source)
  end
end

-- Expires the sources whose deadline has passed, the oldest first.
local function settle(uid, u)
  local due
  for name, s in pairs(u.srcs) do
    if s.last + T <= now then
      due = due or {}
      due[#due + 1] = name
    end
  end
  if not due then return end
  table.sort(due, function(a, b)
    local x, y = u.srcs[a].last, u.srcs[b].last
    if x ~= y then return x < y end
    return a < b
  end)
  for _, name in ipairs(due) do expire(uid, u, name, u.srcs[name].last + T) end
end

-- An explicit offline at 'at': every module of every source is left.
local function finish(uid, u, at)
  local seen = {}
  for _, name in ipairs(byLatest(u)) do
    for _, m in ipairs(modsOf(u.srcs[name])) do
      if not seen[m] then
        seen[m] = true
        leave(uid, m, at)
      end
    end
    redis.call('ZREM', base .. 'dl', member(uid, name))
  end
  if u.legacy then redis.call('ZREM', base .. 'dl', uid) end
  redis.call('DEL', base .. 'u:' .. uid)
  emit('offline', uid, at)
end

-- Expires up to max (user, source) entries whose deadline has passed.
local function reap(max)
  local due = redis.call('ZRANGEBYSCORE', base .. 'dl', '-inf', now, 'WITHSCORES', 'LIMIT', 0, max)
  for i = 1, #due, 2 do
    local uid, source = string.match(due[i], '^(%S+) (%S+)$')
    if not uid then
      uid, source = due[i], 'app'
      redis.call('ZREM', base .. 'dl', due[i])
    end
    local u = load(uid)
    if u.srcs[source] then
      expire(uid, u, source, tonumber(due[i + 1]))
    else
      redis.call('ZREM', base .. 'dl', due[i])
    end
  end
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
  local added, ms = 0, 0
  if from >= todayStart then
    ms = to - from
    added = redis.call('HINCRBY', dk, today, ms)
  else
    redis.call('HINCRBY', dk, yesterday, todayStart - from)
    if to > todayStart then
      ms = to - todayStart
      added = redis.call('HINCRBY', dk, today, ms)
    end
  end
  -- The expiry moves with the first time counted each day, not every heartbeat.
  if added == ms then redis.call('PEXPIRE', dk, retention) end
  redis.call('SADD', base .. 'chg', uid)
end
`;

/** ARGV: head, durations, then (uid, source, platform or '', modules space-joined) per heartbeat. */
export const HEARTBEAT = `${COMMON}${DURATIONS}
for i = 8, #ARGV, 4 do
  local uid, source, plat, mods = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local ukey = base .. 'u:' .. uid
  local u = load(uid)
  if u.last then settle(uid, u) end
  local set = {}
  if u.last then
    count(uid, u.last, now)
    if now > u.last then u.last = now end
    set = { 'last', u.last }
  else
    u.last = now
    set = { 'since', now, 'last', now, 'plat', 'unknown' }
    emit('online', uid, now)
  end
  if plat ~= '' then
    set[#set + 1] = 'plat'
    set[#set + 1] = plat
  end
  if u.legacy then
    -- Rewritten as the source 'app' (unless it just timed out).
    redis.call('HDEL', ukey, 'mods')
    redis.call('ZREM', base .. 'dl', uid)
    local app = u.srcs.app
    if app then
      set[#set + 1] = 's:app'
      set[#set + 1] = app.last .. ' ' .. app.raw
      redis.call('ZADD', base .. 'dl', app.last + T, member(uid, 'app'))
    end
  end
  local old = u.srcs[source]
  local last = now
  if old and old.last > now then last = old.last end
  if not (old and old.raw == mods) then
    -- Only this source's list changes: what it dropped is left unless another
    -- source has it; what it added is joined unless one already had it.
    local rest = others(u, source)
    local inNew, inOld = {}, {}
    local new = words(mods)
    for _, m in ipairs(new) do inNew[m] = true end
    for _, m in ipairs(old and modsOf(old) or {}) do
      inOld[m] = true
      if not inNew[m] and not rest[m] then leave(uid, m, now) end
    end
    for _, m in ipairs(new) do
      if not inOld[m] and not rest[m] then join(uid, m, now) end
    end
  end
  set[#set + 1] = 's:' .. source
  set[#set + 1] = last .. ' ' .. mods
  redis.call('HSET', ukey, unpack(set))
  redis.call('ZADD', base .. 'dl', last + T, member(uid, source))
end
return 1
`;

/** ARGV: head, durations, uid. Returns 1 when the user was online. */
export const OFFLINE = `${COMMON}${DURATIONS}
local uid = ARGV[8]
local u = load(uid)
if not u.last then return 0 end
settle(uid, u)
if not u.last then return 0 end
count(uid, u.last, now)
finish(uid, u, now)
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
