--[[
  Read a link's head and some projection fields in one consistent step (one command, where
  MULTI/HMGET/HGET.../EXEC took several), for appends that decide on the current projections.

  KEYS[1]  head   hash {seq, hash, ts}
  KEYS[2+] the hash each read refers to (by position: KEYS[1 + i] goes with ARGV[i])
  ARGV[i]  the field to read from KEYS[1 + i]

  Returns {seq, hash, ts, value1, value2, ...}; false (nil) for whatever is absent.
]]
local head = redis.call('HMGET', KEYS[1], 'seq', 'hash', 'ts')
local out = {head[1], head[2], head[3]}
for i = 1, #ARGV do
  out[3 + i] = redis.call('HGET', KEYS[1 + i], ARGV[i])
end
return out
