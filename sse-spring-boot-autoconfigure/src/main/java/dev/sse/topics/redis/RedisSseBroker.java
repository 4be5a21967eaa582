package dev.sse.topics.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

import dev.sse.topics.BrokerEvent;
import dev.sse.topics.EventIds;
import dev.sse.topics.SseBroker;
import dev.sse.topics.SseBrokerException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.stream.ByteRecord;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;

/**
 * Topics spread over several application instances through Redis, with Spring Data Redis
 * (the application's {@link RedisConnectionFactory}, Lettuce by default).
 *
 * <ul>
 * <li><b>History</b>: one Redis Stream per topic ({@code {prefix}:t:<topic>}), whose
 * entry ids are the events' ids, trimmed by length and age on every publication, and
 * expired when the topic stays idle. Replay survives the restart of any instance.</li>
 * <li><b>Publish</b>: one Lua script, one round trip whatever the number of subscribers
 * or instances: it takes the next id (the Redis clock in microseconds, or the last id
 * plus one), appends the event, trims, and notes what trimming dropped.</li>
 * <li><b>Fan-out</b>: each instance has one reader thread and one blocking Redis
 * connection, reading ({@code XREAD}) only the topics it has subscribers for, all from
 * one watermark: every event up to it has gone to every local subscriber. A reader that
 * lost Redis for a while resumes from its watermark, so it catches up from the
 * history.</li>
 * <li><b>Replay</b>: one Lua script reads, atomically, whether history covers a client's
 * {@code Last-Event-ID} and the events after it; while it runs, the local delivery of
 * live events waits, and every subscriber has a floor below which it takes nothing, so
 * the seam has no gap and no duplicate.</li>
 * <li><b>Failures</b>: when the reader cannot reach Redis, {@code publish} fails at once
 * with an {@link SseBrokerException}; open streams stay open. When Redis is back the
 * reader resumes by itself.</li>
 * </ul>
 * Thread-safe.
 */
public final class RedisSseBroker implements SseBroker, DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(RedisSseBroker.class);

	private static final byte[] EVENT_FIELD = bytes("e");

	private static final byte[] DATA_FIELD = bytes("d");

	/** The id of the topic's event before this one (or what trimming dropped up to). */
	private static final byte[] PREVIOUS_FIELD = bytes("p");

	private static final String PUBLISH = """
			redis.replicate_commands()
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
			local done = redis.call('GET', KEYS[5])
			if done then return done end
			local deadline = tonumber(ARGV[6])
			if deadline > 0 and now > deadline then
			  return redis.error_reply('SSE_LATE the publication reached Redis after its deadline')
			end
			local last = tonumber(redis.call('GET', KEYS[1]) or '0')
			local id = now
			if id <= last then id = last + 1 end
			local floor = tonumber(ARGV[7])
			if id <= floor then id = floor + 1 end
			local ids = string.format('%d', id)
			redis.call('SET', KEYS[1], ids)
			if last == 0 then redis.call('SET', KEYS[4], string.format('%d', id - 1), 'NX') end
			local prev = '0'
			local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
			if #newest > 0 then
			  prev = string.match(newest[1][1], '^(%d+)')
			else
			  prev = redis.call('GET', KEYS[3]) or '0'
			end
			if ARGV[1] == '' then
			  redis.call('XADD', KEYS[2], ids .. '-0', 'd', ARGV[2], 'p', prev)
			else
			  redis.call('XADD', KEYS[2], ids .. '-0', 'e', ARGV[1], 'd', ARGV[2], 'p', prev)
			end
			local trimmed = redis.call('XTRIM', KEYS[2], 'MAXLEN', ARGV[3])
			local ttl = tonumber(ARGV[4])
			if ttl > 0 then
			  trimmed = trimmed + redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d', now - ttl))
			end
			if trimmed > 0 then
			  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
			  local floor = id
			  if #first > 0 then floor = tonumber(string.match(first[1][1], '^(%d+)')) - 1 end
			  redis.call('SET', KEYS[3], string.format('%d', floor))
			end
			redis.call('PEXPIRE', KEYS[2], ARGV[5])
			if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end
			redis.call('SET', KEYS[5], ids, 'PX', ARGV[8])
			return ids
			""";

	/**
	 * Whether history covers an id, for every topic, and the events after it: KEYS are
	 * the sequence key, the origin key (ids below it were never issued here), then, per
	 * topic, its stream and its dropped-up-to marker. Returns {covered (1/0), current id,
	 * then per event: topic index, stream id, fields}. The first call on an empty Redis
	 * starts the sequence at Redis' clock.
	 */
	private static final String REPLAY = """
			redis.replicate_commands()
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
			local seq = redis.call('GET', KEYS[1])
			if not seq then
			  seq = string.format('%d', now)
			  redis.call('SET', KEYS[1], seq)
			  redis.call('SET', KEYS[2], seq)
			end
			local origin = tonumber(redis.call('GET', KEYS[2]) or seq)
			local x = tonumber(ARGV[1])
			local covered = x >= origin and x <= tonumber(seq)
			local out = {}
			local n = (#KEYS - 2) / 2
			local from = '(' .. ARGV[1] .. '-0'
			local ttl = tonumber(ARGV[2])
			local idle = tonumber(ARGV[3]) * 1000
			local i = 1
			while covered and i <= n do
			  local stream = KEYS[2 * i + 1]
			  local marker = redis.call('GET', KEYS[2 * i + 2])
			  if marker and tonumber(marker) > x then
			    covered = false
			  elseif redis.call('EXISTS', stream) == 0 then
			    if x < now - idle then covered = false end
			  else
			    if ttl > 0 and x < now - ttl then
			      local old = redis.call('XRANGE', stream, from, string.format('%d', now - ttl) .. '-0', 'COUNT', 1)
			      if #old > 0 then covered = false end
			    end
			    if covered then
			      local entries = redis.call('XRANGE', stream, from, '+', 'COUNT', ARGV[4])
			      for _, e in ipairs(entries) do
			        table.insert(out, i)
			        table.insert(out, e[1])
			        table.insert(out, e[2])
			      end
			    end
			  end
			  i = i + 1
			end
			if not covered then return {0, seq} end
			local result = {1, seq}
			for _, v in ipairs(out) do table.insert(result, v) end
			return result
			""";

	private static final String PUBLISH_SHA = sha1(PUBLISH);

	private static final String REPLAY_SHA = sha1(REPLAY);

	private final RedisConnectionFactory connectionFactory;

	private final Settings settings;

	private final byte[] sequenceKey;

	private final byte[] originKey;

	private final byte[] wakeKey;

	/** Guards the local subscribers and the watermark; the reader delivers under it. */
	private final Object lock = new Object();

	private final Map<String, List<LocalSubscription>> local = new HashMap<>();

	/**
	 * For a topic new to this instance, the current id when it came: a read that did not
	 * include the topic yet delivers nothing above it (its events there belong to the new
	 * subscribers), and the next read includes the topic from below it.
	 */
	private final Map<String, Long> addedAt = new HashMap<>();

	/**
	 * Per local topic, the id of its last event the reader handed out (or where it
	 * started): an event whose predecessor in its topic is newer than that reveals that
	 * the history was trimmed past what this instance read (a reader that fell behind).
	 */
	private final Map<String, Long> lastRead = new HashMap<>();

	/**
	 * Every event up to this id on the tracked topics has gone to every local subscriber.
	 */
	private volatile long watermark = -1;

	private String wakePosition = "0-0";

	private final LongAdder publishFailures = new LongAdder();

	private final Thread reader;

	private volatile boolean running = true;

	private volatile boolean available;

	private volatile boolean connectedOnce;

	private final @Nullable AutoCloseable connectionWatch;

	/** Whether Lettuce is on the class path (publications then wait on a deadline). */
	private final boolean lettuce = LettuceSupport.isPresent();

	private static final Duration PUBLISH_MARGIN = Duration.ofMillis(500);

	private volatile @Nullable String unavailableReason = "not connected yet";

	/** Redis' clock minus this JVM's, in microseconds, as the reader last measured it. */
	private volatile long clockOffsetMicros;

	private volatile long historyEvents;

	/**
	 * The broker's settings.
	 *
	 * @param keyPrefix what every key starts with, inside a hash tag (so a Redis Cluster
	 * keeps them on one node)
	 * @param historySize events kept per topic
	 * @param historyTtl how long an event stays in history
	 * @param idleExpiry how long a topic's keys live after its last event
	 * @param commandTimeout the longest a publication may take to reach Redis; later, it
	 * is refused there rather than applied late
	 * @param readBatch the most events the reader takes per topic and read
	 * @param blockTimeout how long one read waits for events
	 * @param retryDelay how long the reader waits before it tries Redis again
	 * @param maxTopics the most topics this instance has subscribers for at once
	 */
	public record Settings(String keyPrefix, int historySize, Duration historyTtl, Duration idleExpiry,
			Duration commandTimeout, int readBatch, Duration blockTimeout, Duration retryDelay, int maxTopics) {

		/**
		 * Checks the settings.
		 * @param keyPrefix the key prefix
		 * @param historySize events kept per topic
		 * @param historyTtl how long an event stays in history
		 * @param idleExpiry how long a topic's keys live after its last event
		 * @param commandTimeout the longest a publication may take
		 * @param readBatch the most events per topic and read
		 * @param blockTimeout how long one read waits
		 * @param retryDelay how long before trying Redis again
		 * @param maxTopics the most topics with local subscribers
		 */
		public Settings {
			if (keyPrefix.isEmpty() || historySize < 0 || readBatch < 1 || maxTopics < 1 || historyTtl.isNegative()
					|| idleExpiry.toMillis() < 1 || commandTimeout.toMillis() < 1 || blockTimeout.toMillis() < 1
					|| retryDelay.toMillis() < 1) {
				throw new IllegalArgumentException("Invalid Redis broker settings: " + keyPrefix + ", " + historySize
						+ ", " + historyTtl + ", " + idleExpiry + ", " + commandTimeout + ", " + readBatch + ", "
						+ blockTimeout + ", " + retryDelay);
			}
		}

		/**
		 * Settings with the starter's defaults for the Redis-specific parts.
		 * @param historySize events kept per topic
		 * @param historyTtl how long an event stays in history
		 * @return the settings
		 */
		public static Settings of(int historySize, Duration historyTtl) {
			return new Settings("sse", historySize, historyTtl, Duration.ofHours(1), Duration.ofSeconds(2), 1000,
					Duration.ofSeconds(2), Duration.ofMillis(500), 10_000);
		}
	}

	/**
	 * Starts the reader thread; it connects to Redis in the background.
	 * @param connectionFactory the application's Redis
	 * @param settings the broker's settings
	 */
	public RedisSseBroker(RedisConnectionFactory connectionFactory, Settings settings) {
		this.connectionFactory = connectionFactory;
		this.settings = settings;
		this.sequenceKey = key("seq");
		this.originKey = key("origin");
		this.wakeKey = key("wake:" + UUID.randomUUID());
		this.reader = new Thread(this::readLoop, "sse-redis-reader");
		this.reader.setDaemon(true);
		this.reader.start();
		this.connectionWatch = this.lettuce ? LettuceSupport.watch(connectionFactory, this::connectionLost) : null;
	}

	/**
	 * Lettuce lost a connection to Redis and reconnects: from now until the reader has
	 * read again, publications fail at once (Lettuce would hold them until its own
	 * command timeout, 60 s by default).
	 */
	private void connectionLost(String what) {
		if (!this.available || !this.probing.compareAndSet(false, true)) {
			return;
		}
		// Not on Lettuce's event thread, which must not block. The event may be about
		// another Redis the application uses (the client resources are shared): ask ours.
		Runnable probe = () -> {
			try (RedisConnection connection = this.connectionFactory.getConnection()) {
				if (Boolean.FALSE.equals(LettuceSupport.pingWithin(connection, PROBE_TIMEOUT))) {
					if (this.available) {
						log.warn(
								"SSE topics: the connection to Redis was lost ({}); publications fail until it is back",
								what);
					}
					this.available = false;
					this.unavailableReason = "connection lost: " + what;
				}
			}
			catch (RuntimeException ex) {
				this.available = false;
				this.unavailableReason = "connection lost: " + what;
			}
			finally {
				this.probing.set(false);
			}
		};
		try {
			this.maintenance.execute(probe);
		}
		catch (java.util.concurrent.RejectedExecutionException ex) {
			this.probing.set(false);
		}
	}

	/**
	 * Probes and history measurements, off the callers' threads. Its own thread, so that
	 * a probe is never queued behind a measurement that waits on a Redis that went away.
	 */
	private final java.util.concurrent.ExecutorService maintenance = java.util.concurrent.Executors
		.newFixedThreadPool(2, (task) -> {
			Thread thread = new Thread(task, "sse-redis-maintenance");
			thread.setDaemon(true);
			return thread;
		});

	private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();

	private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);

	private byte[] key(String name) {
		return bytes("{" + this.settings.keyPrefix() + "}:" + name);
	}

	private byte[] streamKey(String topic) {
		return key("t:" + topic);
	}

	private byte[] markerKey(String topic) {
		return key("d:" + topic);
	}

	// ---- publish ----

	@Override
	public BrokerEvent publish(String topic, @Nullable String event, String data) {
		checkTopic(topic);
		if (!this.available && this.connectedOnce) {
			this.publishFailures.increment();
			throw new SseBrokerException("Cannot publish to topic '" + abbreviate(topic) + "': Redis is unreachable ("
					+ this.unavailableReason + ")");
		}
		long deadline = System.currentTimeMillis() * 1000 + this.clockOffsetMicros
				+ this.settings.commandTimeout().toNanos() / 1000;
		// The token makes the script idempotent: Lettuce sends a command again after a
		// reconnect when its reply was lost, and that second run returns the first id.
		byte[][] keys = { this.sequenceKey, streamKey(topic), markerKey(topic), this.originKey,
				key("pub:" + UUID.randomUUID()) };
		long remember = this.settings.commandTimeout().plus(PUBLISH_MARGIN).toMillis() + 5_000;
		byte[][] args = { bytes((event != null) ? event : ""), bytes(data),
				// At least one entry, which live delivery reads; replay honours 0.
				bytes(Integer.toString(Math.max(1, this.settings.historySize()))),
				bytes(Long.toString(this.settings.historyTtl().toNanos() / 1000)),
				bytes(Long.toString(this.settings.idleExpiry().toMillis())), bytes(Long.toString(deadline)),
				// Never an id below what this instance has seen (a Redis replaced by an
				// empty one starts from its own clock).
				bytes(Long.toString(Math.max(0, this.watermark))), bytes(Long.toString(remember)) };
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			byte[] id = evalWithin(connection, PUBLISH, PUBLISH_SHA, ReturnType.VALUE, keys, args);
			if (id == null) {
				throw new SseBrokerException(
						"Redis gave no id for the publication to topic '" + abbreviate(topic) + "'");
			}
			return new BrokerEvent(topic, new String(id, StandardCharsets.US_ASCII), event, data);
		}
		catch (SseBrokerException ex) {
			this.publishFailures.increment();
			throw ex;
		}
		catch (RuntimeException ex) {
			this.publishFailures.increment();
			throw new SseBrokerException(
					"Could not publish to topic '" + abbreviate(topic) + "' through Redis: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Waits for Redis at most the command timeout (and a little more for the trip): a
	 * publication that Redis runs later still is refused there, by its deadline.
	 */
	/**
	 * Runs a script, waiting for Redis at most the command timeout (and a little more for
	 * the trip) when the connection is Lettuce's: a publication that Redis runs later
	 * still is refused there, by its deadline; a replay that comes late changes nothing.
	 */
	@SuppressWarnings("unchecked")
	private <T> @Nullable T evalWithin(RedisConnection connection, String script, String sha, ReturnType type,
			byte[][] keys, byte[][] args) {
		if (this.lettuce) {
			Duration wait = this.settings.commandTimeout().plus(PUBLISH_MARGIN);
			Object reply;
			try {
				reply = LettuceSupport.evalWithin(connection, script, sha, type == ReturnType.MULTI, keys, args, wait);
			}
			catch (TimeoutException ex) {
				throw new SseBrokerException("Redis did not answer within " + wait.toMillis() + " ms");
			}
			if (reply != LettuceSupport.NOT_LETTUCE) {
				return (T) reply;
			}
		}
		byte[][] keysAndArgs = new byte[keys.length + args.length][];
		System.arraycopy(keys, 0, keysAndArgs, 0, keys.length);
		System.arraycopy(args, 0, keysAndArgs, keys.length, args.length);
		return run(connection, script, sha, type, keys.length, keysAndArgs);
	}

	// ---- subscribe ----

	@Override
	public Subscription subscribe(Collection<String> topics, @Nullable String lastEventId, Subscriber subscriber) {
		Set<String> names = new LinkedHashSet<>(topics);
		if (names.isEmpty()) {
			throw new IllegalArgumentException("subscribe needs at least one topic");
		}
		names.forEach(RedisSseBroker::checkTopic);
		if (!this.available && this.connectedOnce) {
			// A known outage: refused at once. (Before the reader's first connection, the
			// replay below tries Redis itself.)
			throw new SseBrokerException("Cannot subscribe to " + abbreviate(names.toString())
					+ ": Redis is unreachable (" + this.unavailableReason + ")");
		}
		long after = (lastEventId != null && !lastEventId.isEmpty()) ? EventIds.parse(lastEventId) : -1;
		boolean replay = lastEventId != null && !lastEventId.isEmpty();
		List<String> ordered = List.copyOf(names);
		LocalSubscription subscription = new LocalSubscription(ordered, subscriber);
		boolean newTopic;
		synchronized (this.lock) {
			// Registered first, paused: live events wait for the lock, then pass the
			// floor set below.
			newTopic = register(subscription);
			try {
				ReplayResult result;
				if (replay && this.settings.historySize() == 0) {
					// No history kept for replay (Redis holds the newest event only for
					// live delivery): covered only when nothing was missed.
					long current = replay(ordered, 0, false).current();
					result = new ReplayResult(after == current, current, List.of());
				}
				else {
					result = replay(ordered, replay ? after : 0, replay);
				}
				if (replay && !result.covered()) {
					safely(subscriber, null);
					subscription.floor = result.current();
				}
				else if (replay) {
					long last = after;
					for (BrokerEvent replayed : result.events()) {
						safely(subscriber, replayed);
						last = replayed.sequence();
					}
					subscription.floor = Math.max(last, after);
				}
				else {
					subscription.floor = result.current();
				}
				for (String topic : ordered) {
					if (this.local.get(topic).size() == 1) {
						this.addedAt.put(topic, result.current());
						this.lastRead.put(topic, result.current());
					}
				}
			}
			catch (RuntimeException ex) {
				unregister(subscription);
				throw new SseBrokerException("Could not subscribe to " + abbreviate(ordered.toString())
						+ " through Redis: " + ex.getMessage(), ex);
			}
		}
		if (newTopic) {
			wakeReader();
		}
		return subscription;
	}

	private record ReplayResult(boolean covered, long current, List<BrokerEvent> events) {
	}

	/**
	 * Outside a replay, only the current id is needed: the same script, asked about no
	 * event.
	 */
	@SuppressWarnings("unchecked")
	private ReplayResult replay(List<String> topics, long after, boolean withEvents) {
		List<byte[]> keysAndArgs = new ArrayList<>();
		keysAndArgs.add(this.sequenceKey);
		keysAndArgs.add(this.originKey);
		List<String> asked = withEvents ? topics : List.of();
		for (String topic : asked) {
			keysAndArgs.add(streamKey(topic));
			keysAndArgs.add(markerKey(topic));
		}
		int keyCount = keysAndArgs.size();
		keysAndArgs.add(bytes(Long.toString(withEvents ? after : 0)));
		keysAndArgs.add(bytes(Long.toString(this.settings.historyTtl().toNanos() / 1000)));
		keysAndArgs.add(bytes(Long.toString(this.settings.idleExpiry().toMillis())));
		keysAndArgs.add(bytes(Integer.toString(Math.max(1, this.settings.historySize()))));
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			byte[][] all = keysAndArgs.toArray(new byte[0][]);
			List<Object> reply = evalWithin(connection, REPLAY, REPLAY_SHA, ReturnType.MULTI,
					Arrays.copyOfRange(all, 0, keyCount), Arrays.copyOfRange(all, keyCount, all.length));
			if (reply == null || reply.size() < 2) {
				throw new SseBrokerException("Unexpected reply of the replay script: " + reply);
			}
			boolean covered = toLong(reply.get(0)) == 1;
			long current = Long.parseLong(text(reply.get(1)));
			List<BrokerEvent> events = new ArrayList<>();
			for (int i = 2; i + 2 < reply.size(); i += 3) {
				String topic = asked.get((int) toLong(reply.get(i)) - 1);
				String streamId = text(reply.get(i + 1));
				events.add(event(topic, streamId, (List<Object>) reply.get(i + 2)));
			}
			events.sort(Comparator.comparingLong(BrokerEvent::sequence));
			return new ReplayResult(covered, current, events);
		}
	}

	private static BrokerEvent event(String topic, String streamId, List<Object> fields) {
		String name = null;
		String data = "";
		for (int f = 0; f + 1 < fields.size(); f += 2) {
			String field = text(fields.get(f));
			if (field.equals("e")) {
				name = text(fields.get(f + 1));
			}
			else if (field.equals("d")) {
				data = text(fields.get(f + 1));
			}
		}
		return new BrokerEvent(topic, idOf(streamId), name, data);
	}

	/** The event id of a stream entry id {@code <id>-0}. */
	private static String idOf(String streamId) {
		int dash = streamId.indexOf('-');
		return (dash > 0) ? streamId.substring(0, dash) : streamId;
	}

	/**
	 * Under the lock; whether a topic is new to this instance (the reader must read it).
	 */
	private boolean register(LocalSubscription subscription) {
		boolean newTopic = false;
		for (String topic : subscription.topics) {
			List<LocalSubscription> subscribers = this.local.get(topic);
			if (subscribers == null) {
				if (this.local.size() >= this.settings.maxTopics()) {
					unregister(subscription);
					throw new SseBrokerException("Too many topics: " + this.local.size()
							+ " have subscribers in this instance, the most allowed (sse.topics.max-topics); refused topic '"
							+ abbreviate(topic) + "'");
				}
				subscribers = new ArrayList<>(1);
				this.local.put(topic, subscribers);
				newTopic = true;
			}
			subscribers.add(subscription);
		}
		return newTopic;
	}

	/** Under the lock. */
	private void unregister(LocalSubscription subscription) {
		for (String topic : subscription.topics) {
			List<LocalSubscription> subscribers = this.local.get(topic);
			if (subscribers != null) {
				subscribers.remove(subscription);
				if (subscribers.isEmpty()) {
					this.local.remove(topic);
					this.addedAt.remove(topic);
					this.lastRead.remove(topic);
				}
			}
		}
	}

	private final class LocalSubscription implements Subscription {

		final List<String> topics;

		final Subscriber subscriber;

		/**
		 * Only events after this id reach the subscriber; MAX_VALUE while its replay
		 * runs.
		 */
		long floor = Long.MAX_VALUE;

		private boolean closed;

		LocalSubscription(List<String> topics, Subscriber subscriber) {
			this.topics = topics;
			this.subscriber = subscriber;
		}

		@Override
		public String position() {
			synchronized (RedisSseBroker.this.lock) {
				return Long.toString(this.floor);
			}
		}

		@Override
		public void close() {
			synchronized (RedisSseBroker.this.lock) {
				if (!this.closed) {
					this.closed = true;
					unregister(this);
				}
			}
		}

	}

	private static void safely(Subscriber subscriber, @Nullable BrokerEvent event) {
		try {
			if (event != null) {
				subscriber.event(event);
			}
			else {
				subscriber.reset();
			}
		}
		catch (Throwable ex) {
			// Whatever it throws, the reader goes on for everyone else.
			log.warn("SSE subscriber {} failed", subscriber, ex);
		}
	}

	// ---- the reader ----

	private void wakeReader() {
		if (!this.available) {
			return;
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.streamCommands()
				.xAdd(MapRecord.create(this.wakeKey, Map.of(DATA_FIELD, bytes("wake"))), XAddOptions.maxlen(10));
			connection.keyCommands().pExpire(this.wakeKey, this.settings.idleExpiry().toMillis());
		}
		catch (RuntimeException ex) {
			log.debug("Could not wake the SSE Redis reader: {}", ex.toString());
		}
	}

	private void readLoop() {
		while (this.running) {
			try (RedisConnection connection = this.connectionFactory.getConnection()) {
				measureClock(connection);
				if (this.watermark < 0) {
					byte[] current = connection.stringCommands().get(this.sequenceKey);
					synchronized (this.lock) {
						// Subscribers that came before the first read start below it.
						long start = (current != null) ? Long.parseLong(text(current)) : 0;
						for (long added : this.addedAt.values()) {
							start = Math.min(start, added);
						}
						this.watermark = start;
					}
				}
				else {
					resetWhatHistoryNoLongerCovers(connection);
				}
				markAvailable();
				long lastClock = System.nanoTime();
				while (this.running) {
					readOnce(connection);
					if (System.nanoTime() - lastClock > Duration.ofSeconds(10).toNanos()) {
						measureClock(connection);
						lastClock = System.nanoTime();
					}
				}
			}
			catch (Throwable ex) {
				if (!this.running) {
					// Stopping: the read was interrupted on purpose.
					return;
				}
				markUnavailable(ex);
				if (!pause(this.settings.retryDelay())) {
					return;
				}
			}
		}
	}

	private void measureClock(RedisConnection connection) {
		long before = System.currentTimeMillis() * 1000;
		Long redisMicros = connection.serverCommands().time(java.util.concurrent.TimeUnit.MICROSECONDS);
		long after = System.currentTimeMillis() * 1000;
		if (redisMicros != null) {
			this.clockOffsetMicros = redisMicros - (before + after) / 2;
		}
	}

	private void readOnce(RedisConnection connection) {
		List<String> topics;
		long from;
		synchronized (this.lock) {
			topics = List.copyOf(this.local.keySet());
			from = this.watermark;
		}
		@SuppressWarnings("unchecked")
		StreamOffset<byte[]>[] offsets = new StreamOffset[topics.size() + 1];
		offsets[0] = StreamOffset.create(this.wakeKey, ReadOffset.from(this.wakePosition));
		for (int i = 0; i < topics.size(); i++) {
			offsets[i + 1] = StreamOffset.create(streamKey(topics.get(i)), ReadOffset.from(from + "-0"));
		}
		List<ByteRecord> records = connection.streamCommands()
			.xRead(StreamReadOptions.empty().count(this.settings.readBatch()).block(this.settings.blockTimeout()),
					offsets);
		if (!this.available) {
			// This read went through a lost connection (Lettuce sent it again once
			// reconnected): first tell subscribers of topics whose history no longer
			// covers the watermark, then read on from it.
			resetWhatHistoryNoLongerCovers(connection);
			markAvailable();
			return;
		}
		if (records == null || records.isEmpty()) {
			return;
		}
		Map<String, String> topicOf = new HashMap<>();
		for (String topic : topics) {
			topicOf.put(text(streamKey(topic)), topic);
		}
		Set<String> topicsRead = Set.copyOf(topics);
		Map<String, Integer> perStream = new HashMap<>();
		Map<String, Long> lastPerStream = new HashMap<>();
		List<Read> events = new ArrayList<>();
		for (ByteRecord record : records) {
			String stream = text(record.getStream());
			if (java.util.Arrays.equals(record.getStream(), this.wakeKey)) {
				this.wakePosition = record.getId().getValue();
				continue;
			}
			String topic = topicOf.get(stream);
			if (topic == null) {
				continue;
			}
			BrokerEvent event = event(topic, record);
			byte[] prev = null;
			for (Map.Entry<byte[], byte[]> field : record.getValue().entrySet()) {
				if (java.util.Arrays.equals(field.getKey(), PREVIOUS_FIELD)) {
					prev = field.getValue();
				}
			}
			long previous = (prev != null) ? Long.parseLong(text(prev)) : 0L;
			perStream.merge(stream, 1, Integer::sum);
			lastPerStream.merge(stream, event.sequence(), Math::max);
			events.add(new Read(event, previous));
		}
		// A stream cut off by the batch size may have more events below the others' last
		// ones:
		// deliver only up to the lowest such cut, and read again from there.
		long cut = Long.MAX_VALUE;
		for (Map.Entry<String, Integer> entry : perStream.entrySet()) {
			if (entry.getValue() >= this.settings.readBatch()) {
				cut = Math.min(cut, lastPerStream.get(entry.getKey()));
			}
		}
		events.sort(Comparator.comparingLong((read) -> read.event().sequence()));
		synchronized (this.lock) {
			// Topics that came while Redis answered were not read: stop below them.
			for (Map.Entry<String, Long> added : this.addedAt.entrySet()) {
				if (!topicsRead.contains(added.getKey())) {
					cut = Math.min(cut, added.getValue());
				}
			}
			long delivered = this.watermark;
			for (Read read : events) {
				BrokerEvent event = read.event();
				long id = event.sequence();
				if (id > cut || id <= this.watermark) {
					continue;
				}
				List<LocalSubscription> subscribers = this.local.get(event.topic());
				if (subscribers != null) {
					// Its predecessor is newer than what was read of the topic: the
					// events between were trimmed before this reader got to them.
					long prev = read.previous();
					Long readUpTo = this.lastRead.get(event.topic());
					boolean gap = readUpTo != null && prev > readUpTo;
					if (gap) {
						log.warn("SSE topic '{}': events up to {} left the Redis history before this instance read "
								+ "them; its subscribers are told to reset", abbreviate(event.topic()), prev);
					}
					for (LocalSubscription subscription : subscribers) {
						if (id > subscription.floor) {
							if (gap && prev > subscription.floor) {
								safely(subscription.subscriber, null);
							}
							safely(subscription.subscriber, event);
						}
					}
					this.lastRead.put(event.topic(), id);
				}
				delivered = Math.max(delivered, id);
			}
			this.watermark = delivered;
			// Once read with the others, a topic is no longer new.
			this.addedAt.keySet().retainAll(this.local.keySet());
			this.addedAt.keySet().removeAll(topicsRead);
		}
	}

	/** An event as read, with the id of its predecessor in its topic. */
	private record Read(BrokerEvent event, long previous) {
	}

	private static BrokerEvent event(String topic, ByteRecord record) {
		String name = null;
		String data = "";
		for (Map.Entry<byte[], byte[]> field : record.getValue().entrySet()) {
			if (java.util.Arrays.equals(field.getKey(), EVENT_FIELD)) {
				name = text(field.getValue());
			}
			else if (java.util.Arrays.equals(field.getKey(), DATA_FIELD)) {
				data = text(field.getValue());
			}
		}
		return new BrokerEvent(topic, idOf(record.getId().getValue()), name, data);
	}

	/**
	 * After an outage: a topic whose history was trimmed past the watermark lost events
	 * for this instance's subscribers, who are told to reset.
	 */
	private void resetWhatHistoryNoLongerCovers(RedisConnection connection) {
		synchronized (this.lock) {
			for (Map.Entry<String, List<LocalSubscription>> entry : this.local.entrySet()) {
				byte[] marker = connection.stringCommands().get(markerKey(entry.getKey()));
				if (marker != null && Long.parseLong(text(marker)) > this.watermark) {
					for (LocalSubscription subscription : entry.getValue()) {
						safely(subscription.subscriber, null);
					}
				}
			}
		}
	}

	private void markAvailable() {
		this.connectedOnce = true;
		if (!this.available) {
			log.info("SSE topics: Redis is reachable; fan-out resumes from event {}", this.watermark);
		}
		this.available = true;
		this.unavailableReason = null;
	}

	private void markUnavailable(Throwable ex) {
		if (this.available || this.unavailableReason == null || this.unavailableReason.equals("not connected yet")) {
			log.warn("SSE topics: Redis is unreachable, publications fail until it is back: {}", ex.toString());
		}
		this.available = false;
		this.unavailableReason = ex.getClass().getSimpleName() + ": " + ex.getMessage();
	}

	private boolean pause(Duration delay) {
		try {
			Thread.sleep(delay.toMillis());
			return this.running;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	// ---- operators ----

	/**
	 * Whether the reader reaches Redis now.
	 * @return {@code true} when publications can go through
	 */
	public boolean isAvailable() {
		return this.available;
	}

	/**
	 * Why Redis is unreachable.
	 * @return the last failure, or {@code null} while it is reachable
	 */
	public @Nullable String unavailableReason() {
		return this.unavailableReason;
	}

	/**
	 * Publications that failed (Redis unreachable, or an error there).
	 * @return how many since the start
	 */
	public long publishFailures() {
		return this.publishFailures.sum();
	}

	@Override
	public int topicCount() {
		synchronized (this.lock) {
			return this.local.size();
		}
	}

	/**
	 * The events Redis holds for the topics this instance has subscribers for, as last
	 * read.
	 */
	@Override
	public long historySize() {
		return this.historyEvents;
	}

	/**
	 * Refreshes the history size of the local topics; the starter calls it about once a
	 * second.
	 */
	@Override
	public void purge() {
		if (!this.available || !this.measuring.compareAndSet(false, true)) {
			return;
		}
		// Never on the caller's thread (the starter's housekeeping): a Redis that just
		// went away would hold it until Lettuce gives up.
		try {
			this.maintenance.execute(() -> {
				try {
					measureHistory();
				}
				finally {
					this.measuring.set(false);
				}
			});
		}
		catch (java.util.concurrent.RejectedExecutionException ex) {
			this.measuring.set(false);
		}
	}

	private final java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();

	private void measureHistory() {
		List<String> topics;
		synchronized (this.lock) {
			topics = List.copyOf(this.local.keySet());
		}
		long total = 0;
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			for (String topic : topics) {
				Long length = connection.streamCommands().xLen(streamKey(topic));
				total += (length != null) ? length : 0;
			}
			this.historyEvents = total;
		}
		catch (RuntimeException ex) {
			log.debug("Could not read the SSE topics' history size: {}", ex.toString());
		}
	}

	@Override
	public void destroy() throws InterruptedException {
		this.running = false;
		this.maintenance.shutdownNow();
		AutoCloseable watch = this.connectionWatch;
		if (watch != null) {
			try {
				watch.close();
			}
			catch (Exception ex) {
				log.debug("Could not stop watching Redis connections: {}", ex.toString());
			}
		}
		this.reader.interrupt();
		this.reader.join(this.settings.blockTimeout().toMillis() + 2000);
	}

	// ---- helpers ----

	/**
	 * By SHA1 (the script is sent once per Redis), by text when Redis does not have it.
	 */
	private static <T> T run(RedisConnection connection, String script, String sha, ReturnType type, int keys,
			byte[]... keysAndArgs) {
		try {
			return connection.scriptingCommands().evalSha(sha, type, keys, keysAndArgs);
		}
		catch (RuntimeException ex) {
			if (String.valueOf(ex.getMessage()).contains("NOSCRIPT")
					|| (ex.getCause() != null && String.valueOf(ex.getCause().getMessage()).contains("NOSCRIPT"))) {
				return connection.scriptingCommands().eval(bytes(script), type, keys, keysAndArgs);
			}
			throw ex;
		}
	}

	private static String sha1(String script) {
		try {
			byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(bytes(script));
			return java.util.HexFormat.of().formatHex(digest);
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void checkTopic(@Nullable String topic) {
		if (topic == null || topic.isEmpty()) {
			throw new IllegalArgumentException("topic must not be null or empty");
		}
	}

	private static long toLong(Object value) {
		return (value instanceof Long number) ? number : Long.parseLong(text(value));
	}

	private static String text(Object value) {
		return (value instanceof byte[] raw) ? new String(raw, StandardCharsets.UTF_8) : String.valueOf(value);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static String abbreviate(String text) {
		return (text.length() > 100) ? text.substring(0, 100) + "..." : text;
	}

}
