-- Forgets topics of a bucket that have been idle for the keys' idle expiry: their last id
-- raises the horizon (a client older than it is told to reset), their stream goes (only a
-- stream: a key of another type is never deleted).
-- KEYS: 1 the bucket's index, 2.. the candidates' streams
-- ARGV: 1 idle expiry in microseconds, 2.. the candidates (in the order of KEYS 2..)
-- Returns how many topics were forgotten.
redis.replicate_commands()
if redis.call('TYPE', KEYS[1])['ok'] ~= 'zset' then return 0 end
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000000 + tonumber(t[2]) - tonumber(ARGV[1])
local horizon = tonumber(redis.call('ZSCORE', KEYS[1], '~horizon') or '0')
local forgotten = 0
for i = 2, #KEYS do
  local member = 't:' .. ARGV[i]
  local last = redis.call('ZSCORE', KEYS[1], member)
  if last and tonumber(last) < cutoff then
    horizon = math.max(horizon, tonumber(last))
    redis.call('ZREM', KEYS[1], member)
    if redis.call('TYPE', KEYS[i])['ok'] == 'stream' then
      redis.call('ZINCRBY', KEYS[1], -redis.call('XLEN', KEYS[i]), '~events')
      redis.call('DEL', KEYS[i])
    end
    forgotten = forgotten + 1
  end
end
if forgotten > 0 then redis.call('ZADD', KEYS[1], horizon, '~horizon') end
return forgotten
