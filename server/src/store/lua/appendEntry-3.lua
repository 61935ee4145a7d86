--[[
  Append one entry to a link log, with its projections, in one atomic step.

  The hash chain is computed in the node (Redis Lua has no SHA-256), so the append is a
  compare-and-set on the head: it applies only if the head is still the one the node built on.

  KEYS[1]  head   hash {seq, hash, ts}
  KEYS[2]  log    stream, entry id "<seq>-0", field "e"
  KEYS[3]  idem   hash idempotency key -> "<seq>|<digest>"
  KEYS[4+] keys the projection ops refer to (by index)

  ARGV[1]  expected head seq (string, "0" for an empty log)
  ARGV[2]  expected head hash
  ARGV[3]  new seq (string)
  ARGV[4]  entry JSON
  ARGV[5]  entry hash
  ARGV[6]  entry ts
  ARGV[7]  idempotency field, or "" for none
  ARGV[8]  content digest stored with the idempotency field
  ARGV[9]  number of projection ops; then 4 ARGV per op: name, key index, arg1, arg2
           HSET key field value | HDEL key field - | ZADD key score member | ZREM key member -
  ARGV[10 + 4 * ops]  optional: a channel on which to publish "<linkId> <seq> <hash> <ts>" after the
           append, so every node learns the new head without a round trip of its own

  Returns
    {1, seq}                       appended
    {0, seq, hash, ts}             head moved: rebuild on this head and retry
    {2, "<seq>|<digest>"}          idempotency key already used: nothing written
]]
local n = tonumber(ARGV[9])
local ops = {HSET = true, HDEL = true, ZADD = true, ZREM = true}
for j = 0, n - 1 do
  local name = ARGV[10 + j * 4]
  local index = tonumber(ARGV[11 + j * 4])
  if not ops[name] or not index or not KEYS[index] or index < 4 then
    return redis.error_reply('ERR appendEntry: bad projection op ' .. tostring(name))
  end
end

local idemField = ARGV[7]
if idemField ~= '' then
  local existing = redis.call('HGET', KEYS[3], idemField)
  if existing then
    return {2, existing}
  end
end

local head = redis.call('HMGET', KEYS[1], 'seq', 'hash', 'ts')
local seq = head[1] or '0'
local hash = head[2] or '0000000000000000000000000000000000000000000000000000000000000000'
if seq ~= ARGV[1] or hash ~= ARGV[2] then
  return {0, seq, hash, head[3] or '0'}
end

redis.call('XADD', KEYS[2], ARGV[3] .. '-0', 'e', ARGV[4])
redis.call('HSET', KEYS[1], 'seq', ARGV[3], 'hash', ARGV[5], 'ts', ARGV[6])
if idemField ~= '' then
  redis.call('HSET', KEYS[3], idemField, ARGV[3] .. '|' .. ARGV[8])
end

local i = 10
for _ = 1, n do
  local op = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  if op == 'HSET' then
    redis.call('HSET', key, ARGV[i + 2], ARGV[i + 3])
  elseif op == 'HDEL' then
    redis.call('HDEL', key, ARGV[i + 2])
  elseif op == 'ZADD' then
    redis.call('ZADD', key, ARGV[i + 2], ARGV[i + 3])
  else
    redis.call('ZREM', key, ARGV[i + 2])
  end
  i = i + 4
end

local channel = ARGV[10 + n * 4]
if channel and channel ~= '' then
  local linkId = string.match(KEYS[1], '{link:(.*)}$') or KEYS[1]
  redis.call('PUBLISH', channel, linkId .. ' ' .. ARGV[3] .. ' ' .. ARGV[5] .. ' ' .. ARGV[6])
end

return {1, ARGV[3]}
