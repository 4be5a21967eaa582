-- Whether a bucket's history covers a client's position for the given topics, decided from
-- what Redis holds, never from a key's absence, and reading at most two entries per topic.
-- KEYS: 1 the bucket's index, 2.. the topics' streams
-- ARGV: 1 the client's position in this bucket, 2 history age in microseconds (0: no bound),
--       3 history size (0: nothing is replayed), 4 the most bytes the replay may hold (the
--       subscriber's buffer), 5 history bytes (0: no bound), 6.. the topics (in the order of
--       KEYS 2..)
-- Returns { status, seq, origin, then per topic its last id (0: none known) }; status 1:
-- covered, 0: not covered (reset), 2: covered but larger than the bytes allowed (reset).
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'zset' then
  return redis.error_reply('SSE_WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. kind .. ', not a zset')
end
for i = 2, #KEYS do
  kind = redis.call('TYPE', KEYS[i])['ok']
  if kind ~= 'none' and kind ~= 'stream' then
    return redis.error_reply('SSE_WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. kind .. ', not a stream')
  end
end
local idx = KEYS[1]
local seq = redis.call('ZSCORE', idx, '~seq')
if not seq then return { 0, '0', '0' } end
seq = tonumber(seq)
local origin = tonumber(redis.call('ZSCORE', idx, '~origin'))
local horizon = tonumber(redis.call('ZSCORE', idx, '~horizon') or '0')
local x = tonumber(ARGV[1])
local out = { 1, string.format('%d', seq), string.format('%d', origin) }
-- From an earlier epoch, or above what this Redis holds (a failover that lost writes).
if x < origin - 1 or x > seq then
  out[1] = 0
  return out
end
local function field(entry, name)
  local f = entry[2]
  for i = 1, #f, 2 do
    if f[i] == name then return f[i + 1] end
  end
  return nil
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local age = tonumber(ARGV[2])
local size = tonumber(ARGV[3])
local historyBytes = tonumber(ARGV[5])
local bytes = 0
local from = '(' .. ARGV[1] .. '-0'
for i = 2, #KEYS do
  local last = redis.call('ZSCORE', idx, 't:' .. ARGV[4 + i])
  if not last then
    -- Never published in this epoch, or forgotten at or below the horizon.
    if x < horizon then
      out[1] = 0
      return out
    end
    out[#out + 1] = '0'
  else
    last = tonumber(last)
    if last > x then
      local first = redis.call('XRANGE', KEYS[i], from, '+', 'COUNT', 1)
      local newest = redis.call('XREVRANGE', KEYS[i], '+', '-', 'COUNT', 1)
      if size == 0 or #first == 0 or #newest == 0 then
        out[1] = 0
        return out
      end
      local firstId = tonumber(string.match(first[1][1], '^(%d+)'))
      local newestId = tonumber(string.match(newest[1][1], '^(%d+)'))
      local missed = tonumber(field(newest[1], 'c')) - tonumber(field(first[1], 'c')) + tonumber(field(first[1], 'w'))
      -- The event before the first one kept is one the client never got (trimmed, expired,
      -- evicted), the newest events are gone, or what it missed is past the history's
      -- limits (the stream keeps a little more for live delivery).
      if tonumber(field(first[1], 'p')) > x or newestId ~= last or (age > 0 and firstId < now - age)
          or tonumber(field(newest[1], 'n')) - tonumber(field(first[1], 'n')) + 1 > size
          or (historyBytes > 0 and missed > historyBytes) then
        out[1] = 0
        return out
      end
      bytes = bytes + missed
    end
    out[#out + 1] = string.format('%d', last)
  end
end
if bytes > tonumber(ARGV[4]) then out[1] = 2 end
return out
