-- Keeps a bucket's index and feed alive while an instance runs (publications refresh only
-- their topic's stream), and reads how many events the bucket holds.
-- KEYS: 1 the bucket's index, 2 the bucket's feed
-- ARGV: 1 how long the keys live (ms)
-- Returns the events held (0 when the bucket has no index).
if redis.call('TYPE', KEYS[1])['ok'] ~= 'zset' then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return math.floor(tonumber(redis.call('ZSCORE', KEYS[1], '~events') or '0'))
