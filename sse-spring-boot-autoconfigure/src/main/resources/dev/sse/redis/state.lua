-- Where a bucket stands: its last id, the first id of its epoch, and the events it holds.
-- Starts an epoch when the bucket has none, so that every position an instance hands out
-- belongs to one.
-- KEYS: 1 the bucket's index, 2 the bucket's feed
-- ARGV: 1 the highest id the instance has seen in this bucket, 2 how long the keys live (ms)
redis.replicate_commands()
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'zset' then
  return redis.error_reply('SSE_WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. kind .. ', not a zset')
end
local seq = redis.call('ZSCORE', KEYS[1], '~seq')
if not seq then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local origin = math.max(now, tonumber(ARGV[1]) + 1)
  if redis.call('EXISTS', KEYS[2]) == 1 then
    local info = redis.call('XINFO', 'STREAM', KEYS[2])
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then
        origin = math.max(origin, tonumber(string.match(info[i + 1], '^(%d+)')) + 1)
      end
    end
  end
  redis.call('ZADD', KEYS[1], origin - 1, '~seq', origin, '~origin', 0, '~horizon', 0, '~events')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  seq = origin - 1
end
local origin = redis.call('ZSCORE', KEYS[1], '~origin')
local events = redis.call('ZSCORE', KEYS[1], '~events') or '0'
return { string.format('%d', tonumber(seq)), string.format('%d', tonumber(origin)), string.format('%d', tonumber(events)) }
