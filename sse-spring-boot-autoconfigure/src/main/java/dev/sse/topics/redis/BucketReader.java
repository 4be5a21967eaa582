package dev.sse.topics.redis;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sse.topics.BrokerEvent;
import dev.sse.topics.SseBrokerException;
import dev.sse.topics.redis.RedisCalls.RangeRequest;
import dev.sse.topics.redis.RedisSubscription.Part;
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

	/** Most bytes of events read from the topics' streams in one round trip. */
	static final long FETCH_BYTES = 8L << 20;

	private final Buckets.Bucket bucket;

	private final RedisCalls redis;

	private final RedisSseBroker.Settings settings;

	private final ConnectionWatch watch;

	private final TopicCount topicCount;

	private final Object lock = new Object();

	/** The local subscriptions' parts per topic (under the lock). */
	private final Map<String, List<Part>> local = new HashMap<>();

	/** The feed's last id handled (under the lock); -1 before the first sync. */
	private long position = -1;

	/**
	 * The end of the batch being delivered (under the lock): a subscription that comes
	 * now starts there, as those events were published before it.
	 */
	private long inflightEnd = -1;

	/** The first id of the bucket's epoch, as last seen. */
	private long origin;

	private final CountDownLatch synced = new CountDownLatch(1);

	private volatile boolean connected;

	/** The highest id this instance has seen in the bucket: no publication goes below. */
	private volatile long highest;

	private volatile long events;

	private volatile boolean running;

	private @Nullable Thread thread;

	BucketReader(Buckets.Bucket bucket, RedisCalls redis, RedisSseBroker.Settings settings, ConnectionWatch watch,
			TopicCount topicCount) {
		this.bucket = bucket;
		this.redis = redis;
		this.settings = settings;
		this.watch = watch;
		this.topicCount = topicCount;
	}

	/** Counts the topics with local subscribers across buckets, against the limit. */
	interface TopicCount {

		/**
		 * @throws SseBrokerException when one more is past the limit
		 */
		void add(String topic);

		void remove();

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

	long highest() {
		return this.highest;
	}

	void saw(long id) {
		if (id > this.highest) {
			this.highest = id;
		}
	}

	long events() {
		return this.events;
	}

	void events(long events) {
		this.events = events;
	}

	int localTopics() {
		synchronized (this.lock) {
			return this.local.size();
		}
	}

	List<String> localTopicNames() {
		synchronized (this.lock) {
			return List.copyOf(this.local.keySet());
		}
	}

	// ---- subscriptions ----

	/**
	 * Registers a part: live from where the reader stands, or replaying (live events
	 * wait) from there.
	 * @return where it starts
	 */
	long register(Part part, boolean replaying) {
		synchronized (this.lock) {
			List<String> added = new ArrayList<>();
			try {
				for (String topic : part.topics) {
					List<Part> parts = this.local.get(topic);
					if (parts == null) {
						this.topicCount.add(topic);
						added.add(topic);
						parts = new ArrayList<>(1);
						this.local.put(topic, parts);
					}
					parts.add(part);
				}
			}
			catch (RuntimeException ex) {
				removeLocked(part);
				throw ex;
			}
			// Events up to the highest id this instance knows were published before: they
			// are not the new part's (in flight to the reader, or not read by it yet).
			long start = Math.max(this.inflightEnd, this.highest);
			part.registered = true;
			part.replaying = replaying;
			part.floor = start;
			part.liveFrom = start;
			return start;
		}
	}

	/**
	 * Ends a part's replay: the live events that waited go out, those above what the
	 * replay covered.
	 * @param covered every event of the part's topics up to it was replayed
	 */
	void goLive(Part part, long covered) {
		synchronized (this.lock) {
			if (!part.registered) {
				return;
			}
			part.replaying = false;
			long floor = Math.max(part.floor, covered);
			if (part.overflowed) {
				part.subscription.reset(true);
				floor = Math.max(floor, this.inflightEnd);
				part.overflowed = false;
			}
			else {
				for (BrokerEvent event : part.pending) {
					long id = Long.parseLong(event.id());
					if (id > floor) {
						floor = id;
						part.subscription.deliver(part, event, id);
					}
				}
			}
			part.pending.clear();
			part.pendingBytes = 0;
			part.floor = floor;
			part.subscription.advance(part, floor);
		}
	}

	void unregister(Part part) {
		synchronized (this.lock) {
			removeLocked(part);
		}
	}

	private void removeLocked(Part part) {
		for (String topic : part.topics) {
			List<Part> parts = this.local.get(topic);
			if (parts != null && parts.remove(part) && parts.isEmpty()) {
				this.local.remove(topic);
				this.topicCount.remove();
			}
		}
		part.registered = false;
		part.pending.clear();
	}

	// ---- the reader ----

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
	 * On every (re)connection: where the bucket stands. A new epoch (Redis emptied,
	 * replaced, or its index lost), or fewer events than were read here (a failover that
	 * lost writes), is a reset for every local subscriber.
	 */
	private void sync() {
		@SuppressWarnings("unchecked")
		List<Object> state = this.redis.run(RedisCalls.STATE, List.of(this.bucket.indexKey(), this.bucket.feedKey()),
				List.of(RedisCalls.bytes(this.highest), RedisCalls.bytes(keyLifetimeMillis())), "the bucket's state");
		long seq = Long.parseLong(RedisCalls.text(state.get(0)));
		long epoch = Long.parseLong(RedisCalls.text(state.get(1)));
		this.events = Long.parseLong(RedisCalls.text(state.get(2)));
		synchronized (this.lock) {
			if (this.position < 0) {
				this.position = seq;
				this.inflightEnd = seq;
			}
			else if (epoch != this.origin || seq < this.position) {
				log.warn("SSE topics: bucket {} of Redis no longer holds what this instance read (event {}, now {}); "
						+ "its subscribers are told to reset", this.bucket.index(), this.position, seq);
				restartAt(seq, null);
			}
			this.origin = epoch;
			saw(seq);
		}
		this.connected = true;
		this.synced.countDown();
	}

	private void readOnce(ReactiveRedisConnection connection) {
		long from;
		synchronized (this.lock) {
			from = this.position;
		}
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
			caughtUpAfterGap(refs.get(0).previous());
			return;
		}
		deliver(connection, refs);
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
		long end = refs.get(refs.size() - 1).id();
		boolean[] wanted = new boolean[refs.size()];
		synchronized (this.lock) {
			this.inflightEnd = end;
			for (int i = 0; i < refs.size(); i++) {
				wanted[i] = this.local.containsKey(refs.get(i).topic());
			}
		}
		saw(end);
		// In chunks of at most FETCH_BYTES (one event at least), each read and delivered
		// before the next.
		int start = 0;
		while (start < refs.size()) {
			int stop = start;
			long bytes = 0;
			long chunkEnd;
			List<Ref> chunk = new ArrayList<>();
			while (stop < refs.size() && (chunk.isEmpty() || bytes + refs.get(stop).weight() <= FETCH_BYTES)) {
				Ref ref = refs.get(stop);
				if (wanted[stop]) {
					chunk.add(ref);
					bytes += ref.weight();
				}
				stop++;
			}
			chunkEnd = refs.get(stop - 1).id();
			Map<Long, BrokerEvent> read = chunk.isEmpty() ? Map.of() : fetch(connection, chunk);
			synchronized (this.lock) {
				for (Ref ref : chunk) {
					List<Part> parts = this.local.get(ref.topic());
					if (parts == null) {
						continue;
					}
					BrokerEvent event = read.get(ref.id());
					for (Part part : List.copyOf(parts)) {
						if (event != null) {
							part.offer(event, ref.id(), ref.weight(), this.settings.replayBytes());
						}
						else {
							part.lost(ref.id());
						}
					}
					if (event == null) {
						log.warn("SSE topic '{}': event {} left Redis before this instance read it; its subscribers "
								+ "are told to reset", abbreviate(ref.topic()), ref.id());
					}
				}
				this.position = chunkEnd;
			}
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
	 * Redis was replaced): where the bucket stands now; subscribers of topics that
	 * changed meanwhile reset, the others miss nothing.
	 */
	private void caughtUpAfterGap(long feedStart) {
		@SuppressWarnings("unchecked")
		List<Object> state = this.redis.run(RedisCalls.STATE, List.of(this.bucket.indexKey(), this.bucket.feedKey()),
				List.of(RedisCalls.bytes(this.highest), RedisCalls.bytes(keyLifetimeMillis())), "the bucket's state");
		long seq = Long.parseLong(RedisCalls.text(state.get(0)));
		long epoch = Long.parseLong(RedisCalls.text(state.get(1)));
		List<String> topics;
		synchronized (this.lock) {
			// Subscriptions from now on start at seq.
			this.inflightEnd = Math.max(this.inflightEnd, seq);
			topics = List.copyOf(this.local.keySet());
		}
		Map<String, Long> lastIds = new HashMap<>();
		if (epoch == this.origin) {
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
		synchronized (this.lock) {
			log.warn(
					"SSE topics: the reader of bucket {} fell behind the feed (at {}, the feed starts after {}); "
							+ "subscribers of topics that changed meanwhile are told to reset",
					this.bucket.index(), this.position, feedStart);
			// In the same epoch, on from the feed's oldest entry: what came after the gap
			// is
			// still delivered.
			restartAt((epoch == this.origin) ? feedStart : seq, (epoch == this.origin) ? lastIds : null);
			this.inflightEnd = Math.max(this.inflightEnd, seq);
			this.origin = epoch;
		}
		saw(seq);
	}

	/**
	 * Under the lock: the reader goes on after {@code seq}. With the topics' last ids, a
	 * part that may have missed an event (its topic's last id is above where it stands)
	 * is reset; without them (a new epoch, or lost writes) every part is.
	 */
	private void restartAt(long seq, @Nullable Map<String, Long> lastIds) {
		for (Map.Entry<String, List<Part>> entry : this.local.entrySet()) {
			Long last = (lastIds != null) ? lastIds.get(entry.getKey()) : null;
			for (Part part : entry.getValue()) {
				if (lastIds == null) {
					part.restart(seq);
				}
				else if (part.floor < seq && (last == null || last > part.floor)) {
					part.lost(seq);
				}
				else if (part.floor < seq && !part.replaying) {
					part.floor = seq;
					part.subscription.advance(part, seq);
				}
			}
		}
		this.position = seq;
		this.inflightEnd = (lastIds == null) ? seq : Math.max(this.inflightEnd, seq);
		if (lastIds == null) {
			// Ids of the epoch before mean nothing in this one.
			this.highest = seq;
		}
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
