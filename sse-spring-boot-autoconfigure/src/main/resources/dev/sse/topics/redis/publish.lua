-- Publishes one event: takes its id, appends it to its topic's history and to its bucket's
-- feed, trims the history, in one atomic step on the bucket's slot.
-- KEYS: 1 the bucket's index (a sorted set), 2 the topic's stream, 3 the bucket's feed,
--       4 the publication's token (a second run of the same publication returns the first id)
-- ARGV: 1 topic, 2 event name ('' for none), 3 data, 4 weight (the event's size on the wire,
--       about), 5 history size (at least 1 is kept: live delivery reads it), 6 history bytes
--       (0: no bound), 7 history age in microseconds (0: no bound), 8 how long the keys live
--       after the last event (ms), 9 deadline in Redis microseconds (0: none), 10 the highest
--       id the publishing instance has seen in this bucket, 11 the feed's length,
--       12 how long the token is remembered (ms)
-- Index members: '~seq' the last id issued, '~origin' the first id of this epoch, '~horizon'
-- the newest last id of a forgotten topic, '~events' the events held, 't:<topic>' the
-- topic's last id. Entry fields: 'p' the topic's previous id (or where its knowledge
-- starts), 'n' its number in the topic, 'c' the topic's bytes up to and including this
-- event, 'w' this event's bytes, 'd' the data, 'e' the name. History is trimmed to its
-- limits only past a live window (64 events, 30 s), which a reader that is a little behind
-- still finds; replay honours the limits exactly (check.lua).
-- Redis 6.2 replicates a script by its effects only when asked (7 always does): TIME.
redis.replicate_commands()
local done = redis.call('GET', KEYS[4])
if done then return done end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local deadline = tonumber(ARGV[9])
if deadline > 0 and now > deadline then
  return redis.error_reply('SSE_LATE the publication reached Redis after its deadline')
end
local wanted = { 'zset', 'stream', 'stream' }
for i = 1, 3 do
  local kind = redis.call('TYPE', KEYS[i])['ok']
  if kind ~= 'none' and kind ~= wanted[i] then
    return redis.error_reply('SSE_WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. kind .. ', not a ' .. wanted[i])
  end
end
local function field(entry, name)
  local f = entry[2]
  for i = 1, #f, 2 do
    if f[i] == name then return f[i + 1] end
  end
  return nil
end
local function lastGenerated(key)
  if redis.call('EXISTS', key) == 0 then return 0 end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return tonumber(string.match(info[i + 1], '^(%d+)')) end
  end
  return 0
end
local idx = KEYS[1]
local floor = tonumber(ARGV[10])
local seq = redis.call('ZSCORE', idx, '~seq')
local origin
if seq then
  seq = tonumber(seq)
  origin = tonumber(redis.call('ZSCORE', idx, '~origin'))
else
  -- A new epoch: this bucket's index is not in Redis (first use, expiry, eviction, FLUSHALL,
  -- a restart without persistence). Ids start above the clock, above what the instance saw,
  -- and above a feed left from before.
  origin = math.max(now, floor + 1, lastGenerated(KEYS[3]) + 1)
  seq = origin - 1
  redis.call('ZADD', idx, origin, '~origin', 0, '~horizon', 0, '~events')
end
local id = math.max(now, seq + 1, floor + 1)
local member = 't:' .. ARGV[1]
local last = redis.call('ZSCORE', idx, member)
local weight = tonumber(ARGV[4])
local cumulative = weight
local number = 1
local prev
if last then
  prev = tonumber(last)
  local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if #newest > 0 then
    cumulative = cumulative + tonumber(field(newest[1], 'c') or '0')
    number = tonumber(field(newest[1], 'n') or '0') + 1
  end
else
  -- Unknown in this epoch, or forgotten: every event it had is at or below the horizon.
  prev = math.max(tonumber(redis.call('ZSCORE', idx, '~horizon')), origin - 1)
  local stale = lastGenerated(KEYS[2])
  if stale > 0 then
    -- A stream left from an earlier epoch: its entries are not this epoch's history.
    redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d', id))
    if stale >= id then id = stale + 1 end
  end
end
local ids = string.format('%d', id)
local fields = { 'p', string.format('%d', prev), 'n', string.format('%d', number), 'c', string.format('%d', cumulative),
  'w', ARGV[4], 'd', ARGV[3] }
if ARGV[2] ~= '' then
  fields[#fields + 1] = 'e'
  fields[#fields + 1] = ARGV[2]
end
redis.call('XADD', KEYS[2], ids .. '-0', unpack(fields))
local dropped = redis.call('XTRIM', KEYS[2], 'MAXLEN', math.max(64, tonumber(ARGV[5])))
local age = tonumber(ARGV[7])
if age > 0 then
  dropped = dropped + redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d', now - math.max(age, 30000000)))
end
local maxBytes = tonumber(ARGV[6])
if maxBytes > 0 then
  -- The oldest go first; a few per publication at most, the rest with the next ones.
  for _ = 1, 64 do
    local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 2)
    if #oldest < 2 then break end
    local held = cumulative - tonumber(field(oldest[1], 'c')) + tonumber(field(oldest[1], 'w'))
    if held <= maxBytes then break end
    dropped = dropped + redis.call('XTRIM', KEYS[2], 'MINID', oldest[2][1])
  end
end
local keep = ARGV[8]
redis.call('PEXPIRE', KEYS[2], keep)
redis.call('ZADD', idx, id, '~seq', id, member)
redis.call('ZINCRBY', idx, 1 - dropped, '~events')
redis.call('PEXPIRE', idx, keep)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[11], ids .. '-0', 't', ARGV[1], 'p', string.format('%d', seq), 'w', ARGV[4])
redis.call('PEXPIRE', KEYS[3], keep)
redis.call('SET', KEYS[4], ids, 'PX', ARGV[12])
return ids
