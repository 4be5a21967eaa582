-- Publishes a batch of events of one bucket (publications that came at once, 1 or more):
-- each takes its id, goes into its topic's history and the bucket's feed; one atomic step
-- on the bucket's slot.
-- KEYS: 1 the bucket's index (a sorted set), 2 the bucket's feed, 3 the batch's token (a
--       second run of the same batch returns the first run's ids), then per event its
--       topic's stream
-- ARGV: 1 history size, 2 history bytes (0: no bound), 3 history age in microseconds (0: no
--       bound), 4 how long a stream lives after its last event (ms), 5 deadline in Redis
--       microseconds (0: none), 6 the highest id the publishing instance has seen in this
--       bucket, 7 the feed's length, 8 how long the token is remembered (ms), then per
--       event: topic, event name ('' for none), data, weight (its size on the wire, about)
-- Returns per event its id, or an error text starting with 'SSE_' (that event only).
-- Index members: '~seq' the last id issued, '~origin' the first id of this epoch, '~horizon'
-- the newest last id of a forgotten topic, '~events' the events held, 't:<topic>' the
-- topic's last id. Entry fields: 'p' the topic's previous id (or where its knowledge
-- starts), 'n' its number in the topic, 'c' the topic's bytes up to and including this
-- event, 'w' this event's bytes, 'd' the data, 'e' the name. History is trimmed to its
-- limits only past a live window (64 events, 30 s), which a reader that is a little behind
-- still finds; replay honours the limits exactly (check.lua).
-- Redis 6.2 replicates a script by its effects only when asked (7 always does): TIME.
redis.replicate_commands()
local done = redis.call('GET', KEYS[3])
if done then return cjson.decode(done) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local deadline = tonumber(ARGV[5])
if deadline > 0 and now > deadline then
  return redis.error_reply('SSE_LATE the publication reached Redis after its deadline')
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
local floor = tonumber(ARGV[6])
local size = math.max(64, tonumber(ARGV[1]))
local maxBytes = tonumber(ARGV[2])
local age = tonumber(ARGV[3])
local keep = ARGV[4]
-- A key of another type fails a read, before anything of its event is written.
local ok, seq = pcall(redis.call, 'ZSCORE', idx, '~seq')
if not ok then
  return redis.error_reply('SSE_WRONGTYPE ' .. idx .. ' is not the bucket index')
end
local origin
if seq then
  seq = tonumber(seq)
else
  -- A new epoch: this bucket's index is not in Redis (first use, expiry, eviction, FLUSHALL,
  -- a restart without persistence). Ids start above the clock, above what the instance saw,
  -- and above a feed left from before.
  origin = math.max(now, floor + 1, lastGenerated(KEYS[2]) + 1)
  seq = origin - 1
  redis.call('ZADD', idx, origin, '~origin', 0, '~horizon', 0, '~events')
  redis.call('PEXPIRE', idx, keep)
end
local results = {}
local lastOf = {}
local added = 0
for e = 1, (#ARGV - 8) / 4 do
  local topic = ARGV[5 + 4 * e]
  local name = ARGV[6 + 4 * e]
  local data = ARGV[7 + 4 * e]
  local weight = ARGV[8 + 4 * e]
  local stream = KEYS[3 + e]
  local read, newest = pcall(redis.call, 'XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if not read then
    results[e] = 'SSE_WRONGTYPE ' .. stream .. ' holds a value of another type than a stream'
  else
    local id = math.max(now, seq + 1, floor + 1)
    local member = 't:' .. topic
    local last = lastOf[member] or redis.call('ZSCORE', idx, member)
    local cumulative = tonumber(weight)
    local number = 1
    local prev
    if last and #newest > 0 then
      prev = tonumber(last)
      cumulative = cumulative + tonumber(field(newest[1], 'c') or '0')
      number = tonumber(field(newest[1], 'n') or '0') + 1
    else
      if last then
        -- The stream is gone (evicted, expired) but not its last id: the chain breaks there.
        prev = tonumber(last)
      else
        -- Unknown in this epoch, or forgotten: every event it had is at or below the horizon.
        origin = origin or tonumber(redis.call('ZSCORE', idx, '~origin'))
        prev = math.max(tonumber(redis.call('ZSCORE', idx, '~horizon')), origin - 1)
      end
      local stale = lastGenerated(stream)
      if stale > 0 then
        -- A stream left from before (an earlier epoch): its entries are not this chain's.
        redis.call('XTRIM', stream, 'MINID', string.format('%d', id))
        if stale >= id then id = stale + 1 end
      end
    end
    local ids = string.format('%d', id)
    local fields = { ids .. '-0', 'p', string.format('%d', prev), 'n', string.format('%d', number),
      'c', string.format('%d', cumulative), 'w', weight, 'd', data }
    if name ~= '' then
      fields[#fields + 1] = 'e'
      fields[#fields + 1] = name
    end
    redis.call('XADD', stream, unpack(fields))
    redis.call('PEXPIRE', stream, keep)
    added = added + 1
    if number % 16 == 1 then
      -- Every 16th event of a topic: trimming, about (whole nodes: cheap).
      added = added - redis.call('XTRIM', stream, 'MAXLEN', '~', size)
      if age > 0 then
        added = added - redis.call('XTRIM', stream, 'MINID', '~', string.format('%d', now - math.max(age, 30000000)))
      end
      if maxBytes > 0 then
        -- Down to the bytes allowed, never into the live window (the newest 64 events and
        -- 30 s), like the two trims above.
        local window = now - 30000000
        for _ = 1, 64 do
          local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 2)
          if #oldest < 2 then break end
          if number - tonumber(field(oldest[1], 'n') or '0') < 64 then break end
          if tonumber(string.match(oldest[1][1], '^(%d+)')) >= window then break end
          if cumulative - tonumber(field(oldest[1], 'c')) + tonumber(field(oldest[1], 'w')) <= maxBytes then break end
          added = added - redis.call('XTRIM', stream, 'MINID', oldest[2][1])
        end
      end
    end
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], ids .. '-0', 't', topic, 'p', string.format('%d', seq), 'w', weight)
    lastOf[member] = id
    seq = id
    results[e] = ids
  end
end
-- The index's and the feed's expiry are refreshed by every running instance's housekeeping.
local scores = { 'ZADD', idx, seq, '~seq' }
for member, id in pairs(lastOf) do
  scores[#scores + 1] = id
  scores[#scores + 1] = member
end
redis.call(unpack(scores))
redis.call('ZINCRBY', idx, added, '~events')
redis.call('SET', KEYS[3], cjson.encode(results), 'PX', ARGV[8])
return results
