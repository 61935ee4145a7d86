--[[
  Count hits in a fixed window.

  KEYS[1]  counter key (one per subject and window)
  ARGV[1]  window length, ms
  ARGV[2]  hits to add (default 1)

  Returns {hits in this window, ms until the window ends}
]]
local by = tonumber(ARGV[2] or '1')
local hits = redis.call('INCRBY', KEYS[1], by)
if hits == by then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
