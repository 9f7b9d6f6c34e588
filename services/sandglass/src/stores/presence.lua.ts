// Lua for the Redis presence adapter. Every script works inside one shard:
// KEYS[1] is the shard's base key `<prefix>{sN}:` and every key a script
// touches is that base plus a suffix, so all of them share the `{sN}` hash
// tag and slot, which is what Redis Cluster needs for a multi-key script:
//   base..'u:'..uid   hash   since, plat, per source 's:'..source = '<its last> <its modules
//                            space-joined>' (the user's last heartbeat is the latest of them),
//                            cnt and cday (this stretch's time up to cnt is in the user's
//                            durations; the rest, up to the last heartbeat, is not yet and falls
//                            on day cday), chg (present while the user is in the changed set)
//   base..'dl'        zset   '<uid> <source>' → that source's deadline (its last + threshold):
//                            the reaping order
//   base..'m:'..mod   zset   members of a module, score 0 so ZRANGEBYLEX pages by uid
//   base..'mods'      set    modules with at least one member in this shard
//   base..'d:'..uid   hash   'YYYY-MM-DD' → ms online that day (expires)
//   base..'chg'       set    uids whose durations changed since the last flush
//   base..'ev'        stream transitions (t type, u uid, m module, a at)
// A user is in the union of their sources' modules (module zsets hold that
// union). A steady heartbeat (online, same modules and platform) reads the
// user hash, writes its source's stamp and pushes its deadline: three
// calls. Its time goes to the durations hash when the stretch ends, on the
// first heartbeat of a day, and when a flush takes the user, so a read adds
// the part not yet there (DURATIONS_OF). Older state is read too: the
// version before kept a 'last' field and counted every heartbeat at once
// (no cnt: nothing pending); the one before that had no sources (a 'mods'
// field, a deadline member that is the bare uid: the one source 'app').
// Both are rewritten on the next heartbeat.
// The common ARGV head: now, threshold ms, events retained, durations retention ms.

const COMMON = `
local base = KEYS[1]
local now = tonumber(ARGV[1])
local T = tonumber(ARGV[2])
local retained = ARGV[3]
local retention = ARGV[4]

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

-- The user hash's fields that are not sources, and their names in the
-- table load() returns ('last' is only in older state).
local FIELDS = { since = 'since', plat = 'plat', cnt = 'cnt', cday = 'cday', chg = 'chg', mods = 'mods', last = 'oldLast' }

-- The user hash as {last, srcs = {source = {last, raw}}, the other fields as
-- strings}; last, the latest heartbeat of any source, is nil when offline.
local function load(uid, ukey)
  local h = redis.call('HGETALL', ukey or base .. 'u:' .. uid)
  local u = { srcs = {} }
  for i = 1, #h, 2 do
    local k, v = h[i], h[i + 1]
    local field = FIELDS[k]
    if field then
      u[field] = v
    else -- 's:'..source
      local sp = string.find(v, ' ', 1, true) or #v + 1
      local last = tonumber(string.sub(v, 1, sp - 1))
      u.srcs[string.sub(k, 3)] = { last = last, raw = string.sub(v, sp + 1) }
      if not u.last or last > u.last then u.last = last end
    end
  end
  if u.oldLast and not u.last then
    u.last = tonumber(u.oldLast)
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

-- Adds ms to the user's durations of a day. The expiry moves with the first
-- time counted on a day, not every time.
local function add(uid, day, ms)
  local dk = base .. 'd:' .. uid
  if redis.call('HINCRBY', dk, day, ms) == ms then redis.call('PEXPIRE', dk, retention) end
end

-- Puts the user in the changed set unless their hash says they are in it
-- (the field chg, which TAKE_CHANGED clears as it pops them), so a steady
-- heartbeat costs no call for it. Returns whether the hash needs the field.
local function changed(uid, u)
  if u.chg then return false end
  redis.call('SADD', base .. 'chg', uid)
  u.chg = '1'
  return true
end

-- Moves the stretch's pending time (cnt to last, all on cday) into the
-- durations. Returns whether there was pending time to move.
local function fold(uid, u)
  local cnt = tonumber(u.cnt)
  if not (cnt and u.last > cnt) then return false end
  add(uid, u.cday, u.last - cnt)
  u.cnt = u.last
  return true
end

-- One source timed out at 'at': its modules no other source has are left;
-- the last source takes the user offline (the time after its last
-- heartbeat is not counted).
local function expire(uid, u, source, at)
  local gone = u.srcs[source]
  u.srcs[source] = nil
  local rest = others(u, nil)
  for _, m in ipairs(modsOf(gone)) do
    if not rest[m] then leave(uid, m, at) end
  end
  redis.call('ZREM', base .. 'dl', member(uid, source))
  if next(u.srcs) == nil then
    if fold(uid, u) then changed(uid, u) end
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

// Extra ARGV for scripts that count up to now: today, start of today (ms),
// yesterday. What they count is shorter than a day.
const DAYS = `
local today, todayStart, yesterday = ARGV[5], tonumber(ARGV[6]), ARGV[7]

-- Adds from..to (on yesterday and today) to the user's durations.
local function count(uid, from, to)
  if to <= from then return false end
  if from < todayStart then
    add(uid, yesterday, math.min(to, todayStart) - from)
    from = todayStart
  end
  if to > from then add(uid, today, to - from) end
  return true
end
`;

/** ARGV: head, days, then (uid, source, platform or '', modules space-joined) per heartbeat. */
export const HEARTBEAT = `${COMMON}${DAYS}
-- Stamps go to Redis as strings made once per call: formatting a 13-digit
-- number on every heartbeat cost more than the rest of its steady-state Lua.
local nowS, deadlineS = ARGV[1], tostring(now + T)
for i = 8, #ARGV, 4 do
  local uid, source, plat, mods = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local ukey = base .. 'u:' .. uid
  local u = load(uid, ukey)
  if u.last then settle(uid, u) end
  local set
  if not u.last then
    u.plat = 'unknown'
    set = { 'since', nowS, 'cnt', nowS, 'cday', today, 'plat', 'unknown' }
    emit('online', uid, now)
  elseif now > u.last then
    set = {}
    if u.cday ~= today then
      -- The first heartbeat of a day (or the first on a hash from before
      -- cnt) counts what is pending, so the pending part stays on one day.
      count(uid, tonumber(u.cnt) or u.last, now)
      set = { 'cnt', nowS, 'cday', today }
    end
    if changed(uid, u) then
      set[#set + 1] = 'chg'
      set[#set + 1] = '1'
    end
  else
    set = {}
  end
  -- Written only when it changes: most heartbeats repeat it.
  if plat ~= '' and plat ~= u.plat then
    set[#set + 1] = 'plat'
    set[#set + 1] = plat
  end
  if u.oldLast then redis.call('HDEL', ukey, 'last', 'mods') end
  if u.legacy then
    -- Rewritten as the source 'app' (unless it just timed out).
    redis.call('ZREM', base .. 'dl', uid)
    local app = u.srcs.app
    if app then
      set[#set + 1] = 's:app'
      set[#set + 1] = app.last .. ' ' .. app.raw
      redis.call('ZADD', base .. 'dl', app.last + T, member(uid, 'app'))
    end
  end
  local old = u.srcs[source]
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
  -- A source's time never goes back (another process's clock may be behind).
  local lastS, deadline = nowS, deadlineS
  if old and old.last > now then lastS, deadline = tostring(old.last), old.last + T end
  set[#set + 1] = 's:' .. source
  set[#set + 1] = lastS .. ' ' .. mods
  redis.call('HSET', ukey, unpack(set))
  redis.call('ZADD', base .. 'dl', deadline, member(uid, source))
end
return 1
`;

/** ARGV: head, days, uid. Returns 1 when the user was online. */
export const OFFLINE = `${COMMON}${DAYS}
local uid = ARGV[8]
local u = load(uid)
if not u.last then return 0 end
settle(uid, u)
if not u.last then return 0 end
if count(uid, tonumber(u.cnt) or u.last, math.max(now, u.last)) then changed(uid, u) end
finish(uid, u, now)
return 1
`;

/** ARGV: head, max. Returns how many users were taken offline. */
export const REAP = `${COMMON}
return reap(tonumber(ARGV[5]))
`;

/** ARGV: head, reap max, modules... Reaps due users first, then counts. */
export const COUNTS = `${COMMON}
reap(tonumber(ARGV[5]))
local out = {}
for i = 6, #ARGV do out[#out + 1] = redis.call('ZCARD', base .. 'm:' .. ARGV[i]) end
return out
`;

/** ARGV: head, reap max, module, after ('' for the start), limit. */
export const MEMBERS = `${COMMON}
reap(tonumber(ARGV[5]))
local from = '-'
if ARGV[7] ~= '' then from = '(' .. ARGV[7] end
return redis.call('ZRANGEBYLEX', base .. 'm:' .. ARGV[6], from, '+', 'LIMIT', 0, tonumber(ARGV[8]))
`;

/**
 * ARGV: head, max. Pops changed users, moves their pending time into their
 * durations, and returns {uid, HGETALL of durations} pairs.
 */
export const TAKE_CHANGED = `${COMMON}
local uids = redis.call('SPOP', base .. 'chg', tonumber(ARGV[5]))
local out = {}
for _, uid in ipairs(uids) do
  local ukey = base .. 'u:' .. uid
  local u = load(uid, ukey)
  if u.last then
    -- The user's next heartbeat puts them back (see changed()).
    if fold(uid, u) then
      redis.call('HSET', ukey, 'cnt', u.cnt)
    end
    redis.call('HDEL', ukey, 'chg')
  end
  out[#out + 1] = uid
  out[#out + 1] = redis.call('HGETALL', base .. 'd:' .. uid)
end
return out
`;

/**
 * ARGV: uid. Returns {HGETALL of durations, HGETALL of the user hash}, read
 * at one instant: the pending part is the last heartbeat - cnt, on cday.
 */
export const DURATIONS_OF = `
local base, uid = KEYS[1], ARGV[1]
return { redis.call('HGETALL', base .. 'd:' .. uid), redis.call('HGETALL', base .. 'u:' .. uid) }
`;
