package dev.sse.topics.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.sse.topics.BrokerEvent;
import dev.sse.topics.SseBroker;
import dev.sse.topics.SseBrokerException;
import dev.sse.topics.TopicNames;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Topics shared by several application instances through Redis (standalone, Sentinel or
 * Cluster), with the application's Spring Data Redis connection factory (Lettuce).
 *
 * <ul>
 * <li><b>Layout</b>: topics hash into buckets ({@link Buckets}); each bucket is one hash
 * slot holding an index (every topic's last id, the epoch), a feed (one small entry per
 * event) and one stream per topic (its history). Every command stays in one slot.</li>
 * <li><b>Publish</b>: one script on the topic's bucket, one round trip, whatever the
 * number of subscribers or instances; nothing in this JVM serializes publications.</li>
 * <li><b>Fan-out</b>: a {@link BucketReader} per bucket follows its feed.</li>
 * <li><b>Replay</b>: {@link Replay}, bounded per call, a reset whenever it cannot be
 * exact.</li>
 * <li><b>Failures</b>: a {@link ConnectionWatch} of its own; every call has the deadline
 * {@code commandTimeout}.</li>
 * </ul>
 * Started and stopped as a {@link SmartLifecycle} (before the web server, after it).
 * Thread-safe.
 */
public final class RedisSseBroker implements SseBroker, SmartLifecycle {

	/** Buckets when the factory goes to a Redis Cluster and none are set. */
	static final int CLUSTER_BUCKETS = 16;

	private static final Duration PUBLISH_MARGIN = Duration.ofMillis(500);

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final Settings settings;

	private final String minimumVersion;

	private final RedisCalls redis;

	private final ConnectionWatch watch;

	private final Buckets buckets;

	private final List<BucketReader> readers = new ArrayList<>();

	private final List<Publications> publications = new ArrayList<>();

	private final Housekeeping housekeeping;

	private final Replay replay;

	private final AtomicInteger localTopics = new AtomicInteger();

	private final LongAdder publishFailures = new LongAdder();

	private volatile boolean running;

	/**
	 * A broker on the application's Redis; {@link #start()} connects.
	 * @param connectionFactory the application's connection factory (Lettuce's offers the
	 * reactive API the broker needs)
	 * @param settings the broker's settings
	 */
	public RedisSseBroker(ReactiveRedisConnectionFactory connectionFactory, Settings settings) {
		this(connectionFactory, settings, ConnectionWatch.MINIMUM_VERSION);
	}

	RedisSseBroker(ReactiveRedisConnectionFactory connectionFactory, Settings settings, String minimumVersion) {
		settings.validate();
		this.connectionFactory = connectionFactory;
		this.settings = settings;
		this.minimumVersion = minimumVersion;
		this.redis = new RedisCalls(connectionFactory, settings.commandTimeout());
		this.watch = new ConnectionWatch(this.redis, minimumVersion);
		int count = (settings.buckets() > 0) ? settings.buckets()
				: (connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.isClusterAware())
						? CLUSTER_BUCKETS : 1;
		this.buckets = Buckets.of(settings.keyPrefix(), count);
		BucketReader.TopicCount counter = new BucketReader.TopicCount() {
			@Override
			public void add(String topic) {
				if (RedisSseBroker.this.localTopics.incrementAndGet() > settings.maxTopics()) {
					RedisSseBroker.this.localTopics.decrementAndGet();
					throw new SseBrokerException("Too many topics: " + settings.maxTopics()
							+ " have subscribers in this instance, the most allowed (sse.topics.max-topics); refused "
							+ "topic '" + BucketReader.abbreviate(topic) + "'");
				}
			}

			@Override
			public void remove() {
				RedisSseBroker.this.localTopics.decrementAndGet();
			}
		};
		for (int b = 0; b < count; b++) {
			BucketReader reader = new BucketReader(this.buckets.get(b), this.redis, settings, this.watch, counter);
			this.readers.add(reader);
			this.publications.add(new Publications(this.buckets.get(b), this.redis, settings, this.watch, reader));
		}
		this.housekeeping = new Housekeeping(this.watch, this.redis, settings, this.readers);
		this.replay = new Replay(this.redis, settings);
	}

	// ---- publish ----

	@Override
	public BrokerEvent publish(String topic, @Nullable String event, String data) {
		TopicNames.check(topic);
		Buckets.Bucket bucket = this.buckets.of(topic);
		BucketReader reader = this.readers.get(bucket.index());
		if (!this.watch.isReachable() || !reader.isConnected()) {
			this.publishFailures.increment();
			throw new SseBrokerException("Cannot publish to topic '" + BucketReader.abbreviate(topic)
					+ "': Redis is unreachable (" + reason(reader) + ")");
		}
		byte[] payload = RedisCalls.bytes(data);
		byte[] name = RedisCalls.bytes((event != null) ? event : "");
		Publications.Pending pending = new Publications.Pending(topic, name, payload,
				weight(data, payload.length, name.length));
		try {
			String id = this.publications.get(bucket.index())
				.publish(pending, this.settings.commandTimeout().plus(PUBLISH_MARGIN));
			return new BrokerEvent(topic, id, event, data);
		}
		catch (SseBrokerException ex) {
			this.publishFailures.increment();
			if (!RedisCalls.isWrongType(ex)) {
				this.watch.lost(ex.getMessage());
			}
			throw new SseBrokerException("Could not publish to topic '" + BucketReader.abbreviate(topic)
					+ "' through Redis: " + RedisCalls.message(ex), ex);
		}
	}

	/**
	 * About the event's bytes on the wire: its data, a data: prefix per line, its name.
	 */
	static long weight(String data, int dataBytes, int nameBytes) {
		int lines = 1;
		for (int i = 0; i < data.length(); i++) {
			char c = data.charAt(i);
			if (c == '\n' || (c == '\r' && (i + 1 == data.length() || data.charAt(i + 1) != '\n'))) {
				lines++;
			}
		}
		return dataBytes + 7L * lines + nameBytes + 32;
	}

	// ---- subscribe ----

	@Override
	public Subscription subscribe(Collection<String> topics, @Nullable String lastEventId, Subscriber subscriber) {
		Set<String> names = new LinkedHashSet<>(topics);
		if (names.isEmpty()) {
			throw new IllegalArgumentException("subscribe needs at least one topic");
		}
		names.forEach(TopicNames::check);
		Map<Integer, List<String>> byBucket = new TreeMap<>();
		for (String topic : names) {
			byBucket.computeIfAbsent(this.buckets.of(topic).index(), (b) -> new ArrayList<>()).add(topic);
		}
		List<BucketReader> readers = new ArrayList<>();
		for (int b : byBucket.keySet()) {
			BucketReader reader = this.readers.get(b);
			if (!this.watch.awaitReachable(this.settings.commandTimeout())
					|| !reader.awaitSynced(this.settings.commandTimeout())) {
				throw new SseBrokerException("Cannot subscribe to " + BucketReader.abbreviate(names.toString())
						+ ": Redis is unreachable (" + reason(reader) + ")");
			}
			readers.add(reader);
		}
		RedisSubscription subscription = new RedisSubscription(subscriber, readers, new ArrayList<>(byBucket.values()));
		boolean resume = lastEventId != null && !lastEventId.isEmpty();
		try {
			for (RedisSubscription.Part part : subscription.parts()) {
				subscription.advance(part, part.reader.register(part, resume));
			}
		}
		catch (RuntimeException ex) {
			subscription.close();
			throw ex;
		}
		if (resume) {
			resume(subscription, lastEventId);
		}
		return subscription;
	}

	private void resume(RedisSubscription subscription, String lastEventId) {
		List<RedisSubscription.Part> parts = subscription.parts();
		long[] positions = subscription.parse(lastEventId);
		Replay.Outcome outcome;
		if (positions == null) {
			// Malformed, or not a position in every bucket the topics hash to.
			outcome = new Replay.Outcome(true, List.of(), new long[parts.size()]);
		}
		else {
			try {
				outcome = this.replay.read(parts, positions);
			}
			catch (RuntimeException ex) {
				subscription.close();
				throw (ex instanceof SseBrokerException) ? ex : new SseBrokerException(
						"Could not subscribe to " + parts.get(0).topics + " through Redis: " + RedisCalls.message(ex),
						ex);
			}
		}
		if (outcome.reset()) {
			subscription.reset(true);
		}
		for (int i = 0; i < parts.size(); i++) {
			RedisSubscription.Part part = parts.get(i);
			if (!outcome.reset()) {
				for (BrokerEvent event : outcome.events().get(i)) {
					subscription.deliver(part, event, Long.parseLong(event.id()));
				}
				part.reader.saw(outcome.covered()[i]);
			}
		}
		for (int i = 0; i < parts.size(); i++) {
			RedisSubscription.Part part = parts.get(i);
			part.reader.goLive(part, outcome.covered()[i]);
		}
	}

	// ---- lifecycle ----

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.housekeeping.start();
		this.readers.forEach(BucketReader::start);
	}

	@Override
	public void stop() {
		this.running = false;
		try {
			this.housekeeping.stop();
			for (BucketReader reader : this.readers) {
				reader.stop();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Before the web server starts taking requests, and stopped after it. */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

	// ---- operators ----

	/**
	 * Whether Redis answers and every bucket's reader follows it.
	 * @return {@code true} when publications can go through
	 */
	public boolean isAvailable() {
		if (!this.watch.isReachable()) {
			return false;
		}
		for (BucketReader reader : this.readers) {
			if (!reader.isConnected()) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Why Redis is unavailable.
	 * @return the last failure, or {@code null} while it is available
	 */
	public @Nullable String unavailableReason() {
		if (!this.watch.isReachable()) {
			return this.watch.reason();
		}
		for (BucketReader reader : this.readers) {
			if (!reader.isConnected()) {
				return "the reader of bucket " + reader.bucket().index() + " is reconnecting";
			}
		}
		return null;
	}

	private String reason(BucketReader reader) {
		String reason = this.watch.reason();
		return (reason != null) ? reason : reader.isConnected() ? "unknown"
				: "the reader of bucket " + reader.bucket().index() + " is reconnecting";
	}

	/**
	 * Publications that failed (Redis unreachable, or an error there).
	 * @return how many since the start
	 */
	public long publishFailures() {
		return this.publishFailures.sum();
	}

	/**
	 * The buckets topics hash into (fixed for a key prefix: every instance must agree).
	 * @return how many
	 */
	public int bucketCount() {
		return this.buckets.count();
	}

	@Override
	public int topicCount() {
		return this.localTopics.get();
	}

	/** The events Redis holds for replay, across all topics, as last counted. */
	@Override
	public long historySize() {
		long total = 0;
		for (BucketReader reader : this.readers) {
			total += reader.events();
		}
		return total;
	}

	static long number(Object value) {
		return (value instanceof Long number) ? number : Long.parseLong(RedisCalls.text(value));
	}

	@Override
	public String toString() {
		return "RedisSseBroker[" + this.settings.keyPrefix() + ", " + this.buckets.count() + " bucket(s), "
				+ this.connectionFactory.getClass().getSimpleName() + ", Redis " + this.minimumVersion + "+]";
	}

	/**
	 * The broker's settings, by name; every one has a default.
	 */
	public static final class Settings {

		private String keyPrefix = "sse";

		private int buckets;

		private int historySize = 1000;

		private Duration historyTtl = Duration.ofMinutes(5);

		private long historyBytes = 4L << 20;

		private Duration idleExpiry = Duration.ofHours(1);

		private Duration commandTimeout = Duration.ofSeconds(2);

		private long replayBytes = 16L << 20;

		private int maxTopics = 10_000;

		private int readBatch = 1000;

		private Duration blockTimeout = Duration.ofSeconds(2);

		private Duration retryDelay = Duration.ofMillis(500);

		private int feedLength = 20_000;

		/**
		 * What every key starts with (inside each bucket's hash tag); instances share
		 * topics when they share it.
		 * @param keyPrefix non-empty, without braces
		 * @return these settings
		 */
		public Settings keyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
			return this;
		}

		/**
		 * Buckets topics hash into; 0 picks 1 on a standalone Redis, 16 on a Cluster.
		 * Every instance must use the same: a change is a new key layout.
		 * @param buckets zero or more
		 * @return these settings
		 */
		public Settings buckets(int buckets) {
			this.buckets = buckets;
			return this;
		}

		/**
		 * The history kept per topic for replay.
		 * @param size most events (0 replays none)
		 * @param ttl how long an event is kept (zero: no bound)
		 * @param maxBytes most bytes on the wire (0: no bound)
		 * @return these settings
		 */
		public Settings history(int size, Duration ttl, long maxBytes) {
			this.historySize = size;
			this.historyTtl = ttl;
			this.historyBytes = maxBytes;
			return this;
		}

		/**
		 * @param idleExpiry how long an idle topic's history stays in Redis
		 * @return these settings
		 */
		public Settings idleExpiry(Duration idleExpiry) {
			this.idleExpiry = idleExpiry;
			return this;
		}

		/**
		 * @param commandTimeout the deadline of every Redis call
		 * @return these settings
		 */
		public Settings commandTimeout(Duration commandTimeout) {
			this.commandTimeout = commandTimeout;
			return this;
		}

		/**
		 * @param replayBytes the largest replay a subscriber takes (its buffer); a larger
		 * one is a reset
		 * @return these settings
		 */
		public Settings replayBytes(long replayBytes) {
			this.replayBytes = replayBytes;
			return this;
		}

		/**
		 * @param maxTopics the most topics with subscribers in this instance
		 * @return these settings
		 */
		public Settings maxTopics(int maxTopics) {
			this.maxTopics = maxTopics;
			return this;
		}

		/**
		 * How a reader follows its bucket's feed.
		 * @param readBatch the most feed entries per read
		 * @param blockTimeout how long one read waits for entries
		 * @param retryDelay how long before trying a lost Redis again
		 * @param feedLength about how many entries a bucket's feed keeps (a reader
		 * further behind resets the subscribers of topics that changed meanwhile)
		 * @return these settings
		 */
		public Settings reader(int readBatch, Duration blockTimeout, Duration retryDelay, int feedLength) {
			this.readBatch = readBatch;
			this.blockTimeout = blockTimeout;
			this.retryDelay = retryDelay;
			this.feedLength = feedLength;
			return this;
		}

		void validate() {
			check(!this.keyPrefix.isEmpty() && !this.keyPrefix.contains("{") && !this.keyPrefix.contains("}"),
					"keyPrefix must be non-empty without braces, was \"" + this.keyPrefix + "\"");
			check(this.buckets >= 0 && this.buckets <= 16384, "buckets must be 0 to 16384, was " + this.buckets);
			check(this.historySize >= 0 && !this.historyTtl.isNegative() && this.historyBytes >= 0,
					"history size, ttl and bytes must not be negative");
			check(this.idleExpiry.toMillis() >= 1 && this.commandTimeout.toMillis() >= 1
					&& this.blockTimeout.toMillis() >= 1 && this.retryDelay.toMillis() >= 1,
					"durations must be at least 1 ms");
			check(this.replayBytes >= 1 && this.maxTopics >= 1 && this.readBatch >= 1 && this.feedLength >= 1,
					"replayBytes, maxTopics, readBatch and feedLength must be positive");
		}

		private static void check(boolean ok, String message) {
			if (!ok) {
				throw new IllegalArgumentException("Invalid Redis broker settings: " + message);
			}
		}

		String keyPrefix() {
			return this.keyPrefix;
		}

		int buckets() {
			return this.buckets;
		}

		int historySize() {
			return this.historySize;
		}

		Duration historyTtl() {
			return this.historyTtl;
		}

		long historyBytes() {
			return this.historyBytes;
		}

		Duration idleExpiry() {
			return this.idleExpiry;
		}

		Duration commandTimeout() {
			return this.commandTimeout;
		}

		long replayBytes() {
			return this.replayBytes;
		}

		int maxTopics() {
			return this.maxTopics;
		}

		int readBatch() {
			return this.readBatch;
		}

		Duration blockTimeout() {
			return this.blockTimeout;
		}

		Duration retryDelay() {
			return this.retryDelay;
		}

		int feedLength() {
			return this.feedLength;
		}

	}

}
