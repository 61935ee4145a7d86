--[[
  Append notification attempts to one alert's or message's record, each once, all in one step: a
  reader sees all of them or none (a console that reads the record between two of them would take the
  plan for complete).

  KEYS[1]  record   list of attempt JSON, oldest first
  KEYS[2]  seen     set of "<key>|<kind>|<attempt>|<user>" already recorded
  ARGV     pairs: member of KEYS[2], attempt JSON

  Returns how many were appended (a repeat appends nothing).
]]
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[1], ARGV[i + 1])
    added = added + 1
  end
end
return added
