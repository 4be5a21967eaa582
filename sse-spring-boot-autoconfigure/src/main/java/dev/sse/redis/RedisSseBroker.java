package dev.sse.redis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.sse.internal.topics.TopicNames;
import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import dev.sse.spi.SseBrokerException;
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

	/**
	 * Buckets when the factory goes to a Redis Cluster and none are set: 8 spread over up
	 * to 8 masters, and a bucket's publications at once share script runs.
	 */
	static final int CLUSTER_BUCKETS = 8;

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final RedisBrokerSettings settings;

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
	public RedisSseBroker(ReactiveRedisConnectionFactory connectionFactory, RedisBrokerSettings settings) {
		this(connectionFactory, settings, ConnectionWatch.MINIMUM_VERSION);
	}

	RedisSseBroker(ReactiveRedisConnectionFactory connectionFactory, RedisBrokerSettings settings,
			String minimumVersion) {
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
		BucketState.TopicCount counter = new BucketState.TopicCount() {
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
			BucketState state = new BucketState(this.buckets.get(b), counter, settings.replayBytes());
			this.readers.add(new BucketReader(state, this.redis, settings, this.watch));
			this.publications.add(new Publications(state, this.redis, settings, this.watch, count));
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
			String id = this.publications.get(bucket.index()).publish(pending);
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
		List<BucketState> parts = new ArrayList<>();
		for (int b : byBucket.keySet()) {
			BucketReader reader = this.readers.get(b);
			if (!this.watch.awaitReachable(this.settings.commandTimeout())
					|| !reader.awaitSynced(this.settings.commandTimeout())) {
				throw new SseBrokerException("Cannot subscribe to " + BucketReader.abbreviate(names.toString())
						+ ": Redis is unreachable (" + reason(reader) + ")");
			}
			parts.add(reader.state());
		}
		RedisSubscription subscription = new RedisSubscription(subscriber, parts, new ArrayList<>(byBucket.values()));
		boolean resume = lastEventId != null && !lastEventId.isEmpty();
		long[] starts = new long[parts.size()];
		try {
			for (RedisSubscription.Part part : subscription.parts()) {
				starts[part.index] = part.bucket.register(part, resume);
				if (!resume) {
					subscription.advance(part, starts[part.index]);
				}
			}
		}
		catch (RuntimeException ex) {
			subscription.close();
			throw ex;
		}
		if (resume) {
			resume(subscription, lastEventId, starts);
		}
		return subscription;
	}

	/**
	 * Replays what the client missed, part by part. Until a part's replay has gone out,
	 * the ids the subscriber gets carry the client's own position for it: a client cut
	 * off in the middle resumes from what it has, in every bucket.
	 * @param starts per part, where its live events start
	 */
	private void resume(RedisSubscription subscription, String lastEventId, long[] starts) {
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
			// The client reloads: its ids go on from the live start.
			for (RedisSubscription.Part part : parts) {
				subscription.advance(part, starts[part.index]);
			}
			subscription.reset(true);
		}
		else {
			for (RedisSubscription.Part part : parts) {
				subscription.advance(part, positions[part.index]);
			}
			for (RedisSubscription.Part part : parts) {
				for (BrokerEvent event : outcome.events().get(part.index)) {
					subscription.deliver(part, event, Long.parseLong(event.id()));
				}
				long covered = outcome.covered()[part.index];
				subscription.advance(part, covered);
				part.bucket.saw(covered);
			}
		}
		for (int i = 0; i < parts.size(); i++) {
			RedisSubscription.Part part = parts.get(i);
			part.bucket.goLive(part, outcome.covered()[i]);
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
			total += reader.state().events();
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

}
