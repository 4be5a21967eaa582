-- One page of a topic's history: the entries after an id, up to another, until about so
-- many bytes. Bounded in bytes and entries whatever the history holds.
-- KEYS: 1 the topic's stream
-- ARGV: 1 after this id (excluded), 2 up to this id (included), 3 bytes, 4 most entries
-- Returns the entries as XRANGE does.
local out = {}
local bytes = 0
local from = '(' .. ARGV[1] .. '-0'
local upto = ARGV[2] .. '-0'
local budget = tonumber(ARGV[3])
local most = tonumber(ARGV[4])
while #out < most and bytes < budget do
  local entries = redis.call('XRANGE', KEYS[1], from, upto, 'COUNT', 1)
  if #entries == 0 then break end
  local e = entries[1]
  out[#out + 1] = e
  local f = e[2]
  for i = 1, #f, 2 do
    if f[i] == 'w' then bytes = bytes + tonumber(f[i + 1]) end
  end
  from = '(' .. e[1]
end
return out
