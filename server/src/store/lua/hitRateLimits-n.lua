--[[
  Adds hits to several fixed-window counters in one call (a node's batched event counts).

  KEYS[i]        counter key (one per subject and window)
  ARGV[2i-1]     its window length, ms
  ARGV[2i]       hits to add

  Returns the total of each counter, in KEYS order. Each key is handled as hitRateLimit-1.lua does.
]]
local totals = {}
for i, key in ipairs(KEYS) do
  local window = ARGV[2 * i - 1]
  local by = tonumber(ARGV[2 * i])
  local hits = redis.call('INCRBY', key, by)
  if hits == by or redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, window)
  end
  totals[i] = hits
end
return totals
