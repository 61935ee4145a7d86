--[[
  Move a user's inbox read mark forward, never back and never past the last position.

  KEYS[1]  inbox data hash ("#next" last position, "#read" read position)
  ARGV[1]  position read up to

  Returns {readUpto, last}
]]
local last = tonumber(redis.call('HGET', KEYS[1], '#next') or '0')
local read = tonumber(redis.call('HGET', KEYS[1], '#read') or '0')
local upto = math.min(tonumber(ARGV[1]), last)
if upto > read then
  redis.call('HSET', KEYS[1], '#read', upto)
  read = upto
end
return {read, last}
