--[[
  Add or remove one console of a post, drop expired ones, and report whether the post's
  online/offline state changed. Atomic, so when several nodes race exactly one reports a change.

  KEYS[1]  presence      sorted set "<nodeId>/<socketId>" scored by expiry (ms)
  KEYS[2]  presence state string "<1|0>:<since ms>"
  ARGV[1]  "join" | "leave" | "sweep"
  ARGV[2]  member (ignored by sweep)
  ARGV[3]  expiry of the member (join only)
  ARGV[4]  now (ms)

  Returns {changed (0|1), state}
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
if ARGV[1] == 'join' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
elseif ARGV[1] == 'leave' then
  redis.call('ZREM', KEYS[1], ARGV[2])
end
local online = redis.call('ZCARD', KEYS[1]) > 0
local state = redis.call('GET', KEYS[2]) or ('0:0')
local wasOnline = string.sub(state, 1, 1) == '1'
if online == wasOnline then
  return {0, state}
end
local newState = (online and '1:' or '0:') .. ARGV[4]
redis.call('SET', KEYS[2], newState)
return {1, newState}
