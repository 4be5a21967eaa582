package dev.sse.redis;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.sse.redis.RedisCalls.RangeRequest;
import dev.sse.spi.BrokerEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.stream.ByteBufferRecord;

/**
 * The fan-out of one bucket on this instance: a thread and a connection of its own, which
 * follow the bucket's feed (one small entry per event of the bucket: its id, its topic,
 * its size) with a blocking read of one key, whatever the number of topics. For the
 * feed's entries whose topics have subscribers here, it reads the events from their
 * topics' streams (one range per topic, in one round trip, bounded in bytes) and hands
 * them to the subscribers in id order. Idle topics cost nothing.
 *
 * <p>
 * Every feed entry names the id before it, so a reader that fell behind the feed (it is
 * trimmed) or finds Redis replaced (a new epoch) notices, and tells the subscribers of
 * the topics that changed meanwhile to reset; an event the feed names but its stream no
 * longer holds is a reset for that topic's subscribers. Nothing here waits on Redis while
 * holding the lock that subscriptions and delivery take.
 */
final class BucketReader {

	private static final Logger log = LoggerFactory.getLogger(BucketReader.class);

	private static final ByteBuffer TOPIC = ByteBuffer.wrap(RedisCalls.bytes("t"));

	private static final ByteBuffer PREVIOUS = ByteBuffer.wrap(RedisCalls.bytes("p"));

	private static final ByteBuffer WEIGHT = ByteBuffer.wrap(RedisCalls.bytes("w"));

	private static final ByteBuffer DATA = ByteBuffer.wrap(RedisCalls.bytes("d"));

	private static final ByteBuffer NAME = ByteBuffer.wrap(RedisCalls.bytes("e"));

	/**
	 * After a read that found events, how long before the next: at most this is added.
	 */
	static final long LINGER_NANOS = 1_000_000;

	static final long IDLE_LINGER_NANOS = 10_000_000;

	/** Most bytes of events read from the topics' streams in one round trip. */
	static final long FETCH_BYTES = 8L << 20;

	private final Buckets.Bucket bucket;

	private final BucketState state;

	private final RedisCalls redis;

	private final RedisBrokerSettings settings;

	private final ConnectionWatch watch;

	private final CountDownLatch synced = new CountDownLatch(1);

	private volatile boolean connected;

	private volatile boolean running;

	private @Nullable Thread thread;

	BucketReader(BucketState state, RedisCalls redis, RedisBrokerSettings settings, ConnectionWatch watch) {
		this.bucket = state.bucket();
		this.state = state;
		this.redis = redis;
		this.settings = settings;
		this.watch = watch;
	}

	BucketState state() {
		return this.state;
	}

	Buckets.Bucket bucket() {
		return this.bucket;
	}

	void start() {
		this.running = true;
		Thread reader = new Thread(this::run, "sse-redis-reader-" + this.bucket.index());
		reader.setDaemon(true);
		this.thread = reader;
		reader.start();
	}

	void stop() throws InterruptedException {
		this.running = false;
		Thread reader = this.thread;
		if (reader != null) {
			reader.interrupt();
			reader.join(this.settings.blockTimeout().plus(this.redis.timeout()).toMillis() + 1000);
		}
	}

	boolean awaitSynced(Duration wait) {
		try {
			return this.synced.await(wait.toMillis(), TimeUnit.MILLISECONDS) && this.connected;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	boolean isConnected() {
		return this.connected;
	}

	private void run() {
		while (this.running) {
			ReactiveRedisConnection connection = null;
			try {
				connection = this.redis.connection();
				sync();
				while (this.running) {
					readOnce(connection);
				}
			}
			catch (Throwable ex) {
				if (!this.running) {
					break;
				}
				if (this.connected) {
					log.warn("SSE topics: the reader of bucket {} lost Redis: {}", this.bucket.index(), ex.toString());
				}
				this.connected = false;
				this.watch.lost(ex.getMessage());
				RedisCalls.close(connection);
				connection = null;
				if (!pause()) {
					break;
				}
			}
			finally {
				if (!this.running) {
					RedisCalls.close(connection);
				}
			}
		}
		this.connected = false;
	}

	/**
	 * On every (re)connection: where the bucket stands (an epoch starts if it has none).
	 */
	private void sync() {
		long[] state = bucketState();
		this.state.synced(state[0], state[1]);
		this.connected = true;
		this.synced.countDown();
	}

	/** {seq, origin} of the bucket; counts its events on the way. */
	private long[] bucketState() {
		@SuppressWarnings("unchecked")
		List<Object> state = this.redis.run(RedisCalls.STATE, List.of(this.bucket.indexKey(), this.bucket.feedKey()),
				List.of(RedisCalls.bytes(this.state.highest()), RedisCalls.bytes(keyLifetimeMillis())),
				"the bucket's state");
		this.state.events(Long.parseLong(RedisCalls.text(state.get(2))));
		return new long[] { Long.parseLong(RedisCalls.text(state.get(0))),
				Long.parseLong(RedisCalls.text(state.get(1))) };
	}

	private void readOnce(ReactiveRedisConnection connection) {
		long from = this.state.position();
		List<ByteBufferRecord> records = this.redis.readAfter(connection, this.bucket.feedKey(), from,
				this.settings.readBatch(), this.settings.blockTimeout());
		if (records.isEmpty()) {
			return;
		}
		List<Ref> refs = new ArrayList<>(records.size());
		for (ByteBufferRecord record : records) {
			refs.add(Ref.of(record));
		}
		if (refs.get(0).previous() != from) {
			catchUp(refs.get(0).previous());
			return;
		}
		deliver(connection, refs);
		if (records.size() < this.settings.readBatch()) {
			// Busy: let a few more come before the next read, rather than one read (and
			// its
			// wake-up, here and in Redis) per event. Longer with no local subscriber.
			LockSupport.parkNanos((this.state.localTopics() > 0) ? LINGER_NANOS : IDLE_LINGER_NANOS);
		}
	}

	/** A feed entry, as read. */
	private record Ref(long id, String topic, long previous, long weight) {

		static Ref of(ByteBufferRecord record) {
			Map<ByteBuffer, ByteBuffer> fields = record.getValue();
			return new Ref(idOf(record.getId().getValue()), String.valueOf(RedisCalls.field(fields, TOPIC)),
					parseOr(RedisCalls.field(fields, PREVIOUS), -1), parseOr(RedisCalls.field(fields, WEIGHT), 0));
		}

	}

	private void deliver(ReactiveRedisConnection connection, List<Ref> refs) {
		boolean[] wanted = this.state.begin(refs.stream().map(Ref::topic).toList(), refs.get(refs.size() - 1).id());
		// In chunks of at most FETCH_BYTES (one event at least), each read and delivered
		// before the next.
		int start = 0;
		while (start < refs.size()) {
			int stop = start;
			long bytes = 0;
			List<Ref> chunk = new ArrayList<>();
			while (stop < refs.size() && (chunk.isEmpty() || bytes + refs.get(stop).weight() <= FETCH_BYTES)) {
				if (wanted[stop]) {
					chunk.add(refs.get(stop));
					bytes += refs.get(stop).weight();
				}
				stop++;
			}
			Map<Long, BrokerEvent> read = chunk.isEmpty() ? Map.of() : fetch(connection, chunk);
			this.state.deliver(chunk.stream().mapToLong(Ref::id).toArray(), chunk.stream().map(Ref::topic).toList(),
					chunk.stream().mapToLong(Ref::weight).toArray(), read::get, refs.get(stop - 1).id());
			start = stop;
		}
	}

	/** The events the refs name, read from their topics' streams in one round trip. */
	private Map<Long, BrokerEvent> fetch(ReactiveRedisConnection connection, List<Ref> refs) {
		Map<String, List<Ref>> byTopic = new LinkedHashMap<>();
		for (Ref ref : refs) {
			byTopic.computeIfAbsent(ref.topic(), (t) -> new ArrayList<>()).add(ref);
		}
		List<RangeRequest> requests = new ArrayList<>(byTopic.size());
		List<String> topics = new ArrayList<>(byTopic.size());
		byTopic.forEach((topic, list) -> {
			topics.add(topic);
			requests.add(new RangeRequest(this.bucket.streamKey(topic), list.get(0).id(),
					list.get(list.size() - 1).id(), list.size()));
		});
		List<@Nullable List<ByteBufferRecord>> results = this.redis.ranges(connection, requests);
		Map<Long, BrokerEvent> events = new HashMap<>();
		for (int i = 0; i < results.size(); i++) {
			List<ByteBufferRecord> records = results.get(i);
			if (records == null) {
				log.warn("SSE topic '{}': its Redis key {} is not a stream; its subscribers get nothing",
						abbreviate(topics.get(i)), this.bucket.streamKeyText(topics.get(i)));
				continue;
			}
			for (ByteBufferRecord record : records) {
				BrokerEvent event = event(topics.get(i), record);
				events.put(idOf(record.getId().getValue()), event);
			}
		}
		return events;
	}

	static BrokerEvent event(String topic, ByteBufferRecord record) {
		Map<ByteBuffer, ByteBuffer> fields = record.getValue();
		String data = RedisCalls.field(fields, DATA);
		return new BrokerEvent(topic, Long.toString(idOf(record.getId().getValue())), RedisCalls.field(fields, NAME),
				(data != null) ? data : "");
	}

	/**
	 * The feed no longer reaches back to where this reader stands (it fell behind, or
	 * Redis was replaced): subscribers of topics that changed meanwhile reset, the others
	 * miss nothing.
	 */
	private void catchUp(long feedStart) {
		long[] state = bucketState();
		List<String> topics = this.state.beginCatchUp(state[0]);
		Map<String, Long> lastIds = new HashMap<>();
		if (this.state.sameEpoch(state[1])) {
			for (int from = 0; from < topics.size(); from += 500) {
				List<String> some = topics.subList(from, Math.min(topics.size(), from + 500));
				List<@Nullable Double> scores = this.redis.scores(this.bucket.indexKey(),
						some.stream().map((t) -> RedisCalls.bytes("t:" + t)).toList());
				for (int i = 0; i < some.size() && i < scores.size(); i++) {
					Double score = scores.get(i);
					lastIds.put(some.get(i), (score != null) ? score.longValue() : 0L);
				}
			}
		}
		this.state.caughtUp(feedStart, state[0], state[1], lastIds);
	}

	private long keyLifetimeMillis() {
		return this.settings.idleExpiry().toMillis() * 2;
	}

	private boolean pause() {
		try {
			Thread.sleep(this.settings.retryDelay().toMillis());
			return this.running;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** The event id of a stream entry id {@code <id>-0}. */
	static long idOf(String streamId) {
		int dash = streamId.indexOf('-');
		return Long.parseLong((dash > 0) ? streamId.substring(0, dash) : streamId);
	}

	private static long parseOr(@Nullable String text, long otherwise) {
		if (text == null) {
			return otherwise;
		}
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			return otherwise;
		}
	}

	static String abbreviate(String text) {
		return (text.length() > 100) ? text.substring(0, 100) + "..." : text;
	}

}
