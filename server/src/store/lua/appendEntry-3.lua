--[[
  Append entries to a link log, with their projections, in one atomic step.

  The hash chain is computed in the node (Redis Lua has no SHA-256), so the append is a
  compare-and-set on the head: it applies only if the head is still the one the node built on.
  Usually one entry; a signed action whose key is new on this link comes with its key.registered
  entry just before it, in the same step.

  KEYS[1]  head   hash {seq, hash, ts}
  KEYS[2]  log    stream, entry id "<seq>-0", field "e"
  KEYS[3]  idem   hash idempotency key -> "<seq>|<digest>"
  KEYS[4+] keys the projection ops refer to (by index)

  ARGV[1]  expected head seq (string, "0" for an empty log)
  ARGV[2]  expected head hash
  ARGV[3]  idempotency field, or "" for none (recorded against the last entry)
  ARGV[4]  content digest stored with the idempotency field
  ARGV[5]  number of entries n; then 4 ARGV per entry: seq, JSON, hash, ts (in order)
  then     number of projection ops m; then 4 ARGV per op: name, key index, arg1, arg2
           HSET key field value | HDEL key field - | ZADD key score member | ZREM key member -
  then     optional: a channel on which to publish the append, and the id of the node appending:
           "<linkId> <seq> <hash> <ts> <node>" of the new head, then one line per entry appended, its
           JSON (which has no raw newline), in seq order. Every node learns the head without a round
           trip of its own, and every other node pushes the entries to its consoles: one publish per
           append, in the order of the appends, carries both.

  Returns
    {1, lastSeq}                   appended
    {0, seq, hash, ts}             head moved: rebuild on this head and retry
    {2, "<seq>|<digest>"}          idempotency key already used: nothing written
]]
local n = tonumber(ARGV[5])
local opBase = 6 + n * 4
local m = tonumber(ARGV[opBase])
local ops = {HSET = true, HDEL = true, ZADD = true, ZREM = true}
for j = 0, m - 1 do
  local name = ARGV[opBase + 1 + j * 4]
  local index = tonumber(ARGV[opBase + 2 + j * 4])
  if not ops[name] or not index or not KEYS[index] or index < 4 then
    return redis.error_reply('ERR appendEntry: bad projection op ' .. tostring(name))
  end
end

local idemField = ARGV[3]
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

local last = 0
for j = 0, n - 1 do
  local b = 6 + j * 4
  redis.call('XADD', KEYS[2], ARGV[b] .. '-0', 'e', ARGV[b + 1])
  last = b
end
redis.call('HSET', KEYS[1], 'seq', ARGV[last], 'hash', ARGV[last + 2], 'ts', ARGV[last + 3])
if idemField ~= '' then
  redis.call('HSET', KEYS[3], idemField, ARGV[last] .. '|' .. ARGV[4])
end

local i = opBase + 1
for _ = 1, m do
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

local channel = ARGV[opBase + 1 + m * 4]
if channel and channel ~= '' then
  local linkId = string.match(KEYS[1], '{link:(.*)}$') or KEYS[1]
  local node = ARGV[opBase + 2 + m * 4] or ''
  local parts = {linkId .. ' ' .. ARGV[last] .. ' ' .. ARGV[last + 2] .. ' ' .. ARGV[last + 3] .. ' ' .. node}
  for j = 0, n - 1 do
    parts[#parts + 1] = ARGV[6 + j * 4 + 1]
  end
  redis.call('PUBLISH', channel, table.concat(parts, '\n'))
end

return {1, ARGV[last]}
