--[[
  Count one hit in a fixed window.

  KEYS[1]  counter key (one per subject and window)
  ARGV[1]  window length, ms

  Returns {hits in this window, ms until the window ends}
]]
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
