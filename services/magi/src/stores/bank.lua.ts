// The bank's Lua scripts: each operation is one script, so the idempotency
// check, the balance check, the counters, the summaries and the journal
// append are one atomic step on Redis. Numbers are formatted with %.0f
// because Lua's tostring keeps only 14 significant digits.

/**
 * KEYS: 1 request record, 2 balance hash, 3 experience hash, 4 weight hash,
 *       5 seq, 6 journal stream, 7 combo, 8 set of summary keys, 9.. summaries
 * ARGV: 1 fingerprint, 2 fromUid, 3 toUid, 4 amount, 5 experience, 6 weight,
 *       7 request ttl ms, 8 combo window ms, 9 tx id, 10 entry JSON without
 *       its closing brace, 11 max counter, 12 count, 13.. per summary: type,
 *       member, by
 */
export const SEND_LUA = `
local rec = redis.call('GET', KEYS[1])
if rec then
  local nl = string.find(rec, '\\n', 1, true)
  if string.sub(rec, 1, nl - 1) ~= ARGV[1] then return {'conflict'} end
  return {'replayed', string.sub(rec, nl + 1)}
end
local amount = tonumber(ARGV[4])
local max = tonumber(ARGV[11])
local balance = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if balance < amount then return {'insufficient', string.format('%.0f', balance)} end
if tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0') + tonumber(ARGV[5]) > max then
  return {'overflow', 'experience', ARGV[2]}
end
if tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0') + tonumber(ARGV[6]) > max then
  return {'overflow', 'weight', ARGV[3]}
end
redis.call('HINCRBY', KEYS[2], ARGV[2], -amount)
redis.call('HINCRBY', KEYS[3], ARGV[2], ARGV[5])
redis.call('HINCRBY', KEYS[4], ARGV[3], ARGV[6])
local seq = redis.call('INCR', KEYS[5])
local count = tonumber(ARGV[12])
local comboId = ARGV[9]
local combo = redis.call('GET', KEYS[7])
if combo then
  local nl = string.find(combo, '\\n', 1, true)
  comboId = string.sub(combo, 1, nl - 1)
  count = count + tonumber(string.sub(combo, nl + 1))
end
redis.call('SET', KEYS[7], comboId .. '\\n' .. string.format('%.0f', count), 'PX', ARGV[8])
for i = 9, #KEYS do
  local at = 13 + (i - 9) * 3
  local total
  if ARGV[at] == 'zset' then
    total = redis.call('ZINCRBY', KEYS[i], ARGV[at + 2], ARGV[at + 1])
  else
    total = redis.call('HINCRBY', KEYS[i], ARGV[at + 1], ARGV[at + 2])
  end
  -- Only a member's first coins can have created the key (totals only grow):
  -- list the key then, instead of at every gift.
  if tonumber(total) == tonumber(ARGV[at + 2]) then redis.call('SADD', KEYS[8], KEYS[i]) end
end
local entry = ARGV[10] .. ',"seq":' .. string.format('%.0f', seq) .. ',"comboId":' .. cjson.encode(comboId)
  .. ',"comboCount":' .. string.format('%.0f', count) .. '}'
redis.call('XADD', KEYS[6], string.format('%.0f', seq) .. '-1', 'e', entry)
redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. entry, 'PX', ARGV[7])
return {'applied', entry}
`;

/**
 * KEYS: 1 request record, 2 balance hash, 3 seq, 4 journal stream
 * ARGV: 1 fingerprint, 2 uid, 3 delta, 4 request ttl ms, 5 entry JSON
 *       without its closing brace, 6 max counter
 */
export const CREDIT_LUA = `
local rec = redis.call('GET', KEYS[1])
if rec then
  local nl = string.find(rec, '\\n', 1, true)
  if string.sub(rec, 1, nl - 1) ~= ARGV[1] then return {'conflict'} end
  return {'replayed', string.sub(rec, nl + 1)}
end
local delta = tonumber(ARGV[3])
local balance = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if balance + delta < 0 then return {'insufficient', string.format('%.0f', balance)} end
if balance + delta > tonumber(ARGV[6]) then return {'overflow', 'balance', ARGV[2]} end
redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[3])
local seq = redis.call('INCR', KEYS[3])
local entry = ARGV[5] .. ',"seq":' .. string.format('%.0f', seq) .. '}'
redis.call('XADD', KEYS[4], string.format('%.0f', seq) .. '-1', 'e', entry)
redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. entry, 'PX', ARGV[4])
return {'applied', entry}
`;

/** KEYS: 1 lease. ARGV: 1 holder, 2 ms. Takes a free lease or renews one's own. */
export const LEASE_LUA = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;
