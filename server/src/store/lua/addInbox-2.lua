--[[
  Put one escalation in a user's inbox, once. A second call for the same alert step returns the
  position it already has and changes nothing (a retried job, two nodes).

  KEYS[1]  inbox       sorted set member "<alertId>#<step>" scored by position
  KEYS[2]  inbox data  hash member -> escalation JSON, "#next" -> last position, "#read" -> read position
  ARGV[1]  member
  ARGV[2]  escalation JSON with the placeholder position 0, as a prefix '{"position":0,' ...

  Returns {position, isNew (0|1)}
]]
local existing = redis.call('ZSCORE', KEYS[1], ARGV[1])
if existing then
  return {tonumber(existing), 0}
end
local position = redis.call('HINCRBY', KEYS[2], '#next', 1)
redis.call('ZADD', KEYS[1], position, ARGV[1])
local json = string.gsub(ARGV[2], '^{"position":0,', '{"position":' .. position .. ',', 1)
redis.call('HSET', KEYS[2], ARGV[1], json)
return {position, 1}
