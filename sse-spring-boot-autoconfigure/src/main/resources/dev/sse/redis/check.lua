-- Whether a bucket's history covers a client's position for the given topics, decided from
-- what Redis holds, never from a key's absence, and reading at most three entries per topic.
-- A subscription of many topics checks them in several calls, all up to the bound the first
-- one returned: what came after it reaches the subscriber live.
-- KEYS: 1 the bucket's index, 2.. the topics' streams
-- ARGV: 1 the client's position in this bucket, 2 history age in microseconds (0: no bound),
--       3 history size (0: nothing is replayed), 4 the most bytes the replay may hold (what
--       is left of the subscriber's buffer), 5 history bytes (0: no bound), 6 the bound (0:
--       the bucket's last id), 7.. the topics (in the order of KEYS 2..)
-- Returns { status, bound, origin, bytes, then per topic the newest id to replay up to (0:
-- none) }; status 1: covered, 0: not covered (reset), 2: covered but larger than the bytes
-- allowed (reset).
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
if not seq then return { 0, '0', '0', 0 } end
seq = tonumber(seq)
local upto = tonumber(ARGV[6])
if upto == 0 then upto = seq end
local origin = tonumber(redis.call('ZSCORE', idx, '~origin'))
local horizon = tonumber(redis.call('ZSCORE', idx, '~horizon') or '0')
local x = tonumber(ARGV[1])
local out = { 1, string.format('%d', upto), string.format('%d', origin), 0 }
-- From an earlier epoch, or above what this Redis holds (a failover that lost writes).
if x < origin - 1 or x > upto or upto > seq then
  out[1] = 0
  return out
end
local function idOf(entry)
  return tonumber(string.match(entry[1], '^(%d+)'))
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local age = tonumber(ARGV[2])
local size = tonumber(ARGV[3])
local historyBytes = tonumber(ARGV[5])
local bytes = 0
local from = '(' .. ARGV[1] .. '-0'
for i = 2, #KEYS do
  local last = redis.call('ZSCORE', idx, 't:' .. ARGV[5 + i])
  local replayTo = '0'
  if not last then
    -- Never published in this epoch, or forgotten at or below the horizon.
    if x < horizon then
      out[1] = 0
      return out
    end
  else
    last = tonumber(last)
    if last > x then
      local first = redis.call('XRANGE', KEYS[i], from, '+', 'COUNT', 1)
      -- The event before the first one kept is one the client never got (trimmed,
      -- expired, evicted).
      if size == 0 or #first == 0 or tonumber(field(first[1], 'p')) > x then
        out[1] = 0
        return out
      end
      local firstId = idOf(first[1])
      if firstId <= upto then
        local newest = redis.call('XREVRANGE', KEYS[i], string.format('%d', upto) .. '-0', '-', 'COUNT', 1)
        local newestId = idOf(newest[1])
        local missed = tonumber(field(newest[1], 'c')) - tonumber(field(first[1], 'c')) + tonumber(field(first[1], 'w'))
        -- The newest events are gone, or what it missed is past the history's limits
        -- (the stream keeps a little more for live delivery).
        if (last <= upto and newestId ~= last) or (age > 0 and firstId < now - age)
            or tonumber(field(newest[1], 'n')) - tonumber(field(first[1], 'n')) + 1 > size
            or (historyBytes > 0 and missed > historyBytes) then
          out[1] = 0
          return out
        end
        bytes = bytes + missed
        replayTo = string.format('%d', newestId)
      end
    end
  end
  out[#out + 1] = replayTo
end
out[4] = bytes
if bytes > tonumber(ARGV[4]) then out[1] = 2 end
return out
