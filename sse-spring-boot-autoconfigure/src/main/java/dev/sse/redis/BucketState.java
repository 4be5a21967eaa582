package dev.sse.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import dev.sse.redis.RedisSubscription.Part;
import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBrokerException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bucket on this instance: its local subscriptions' parts per topic, and where its
 * reader stands, under one lock that nothing holds while waiting on Redis. Subscriptions
 * register here from their own threads; the {@link BucketReader} delivers here from its.
 * A part that registers while a batch is being delivered starts after that batch: those
 * events were published before it.
 */
final class BucketState {

	private static final Logger log = LoggerFactory.getLogger(BucketState.class);

	private final Buckets.Bucket bucket;

	private final TopicCount topicCount;

	private final long pendingLimit;

	private final Object lock = new Object();

	/** The local subscriptions' parts per topic. */
	private final Map<String, List<Part>> local = new HashMap<>();

	/** The feed's last id handled; -1 before the first sync. */
	private long position = -1;

	/** The end of the batch being delivered: where a part that comes now starts. */
	private long inflightEnd = -1;

	/** The first id of the bucket's epoch, as last seen. */
	private long origin;

	/** The highest id this instance has seen in the bucket: no publication goes below. */
	private volatile long highest;

	private volatile long events;

	/** Counts the topics with local subscribers across buckets, against the limit. */
	interface TopicCount {

		/**
		 * @throws SseBrokerException when one more is past the limit
		 */
		void add(String topic);

		void remove();

	}

	BucketState(Buckets.Bucket bucket, TopicCount topicCount, long pendingLimit) {
		this.bucket = bucket;
		this.topicCount = topicCount;
		this.pendingLimit = pendingLimit;
	}

	Buckets.Bucket bucket() {
		return this.bucket;
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

	// ---- subscriptions ----

	/**
	 * Registers a part: live from where the reader stands, or replaying (live events
	 * wait) from there.
	 * @return where it starts
	 * @throws SseBrokerException past the topic limit (nothing registered)
	 */
	long register(Part part, boolean replaying) {
		synchronized (this.lock) {
			try {
				for (String topic : part.topics) {
					List<Part> parts = this.local.get(topic);
					if (parts == null) {
						this.topicCount.add(topic);
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

	// ---- for the reader ----

	long position() {
		synchronized (this.lock) {
			return this.position;
		}
	}

	/**
	 * Where the bucket stands on a (re)connection: a new epoch, or fewer events than were
	 * read here (a failover that lost writes), resets every local part.
	 */
	void synced(long seq, long epoch) {
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
		}
		saw(seq);
	}

	/**
	 * A batch of the feed begins: parts that register from now on start after it.
	 * @return per topic of the batch, whether it has local parts
	 */
	boolean[] begin(List<String> topics, long end) {
		boolean[] wanted = new boolean[topics.size()];
		synchronized (this.lock) {
			this.inflightEnd = end;
			for (int i = 0; i < topics.size(); i++) {
				wanted[i] = this.local.containsKey(topics.get(i));
			}
		}
		saw(end);
		return wanted;
	}

	/**
	 * Hands a chunk of the feed to the local parts, in id order: the event read for each
	 * entry, or, where Redis no longer held it, a reset for its topic's parts.
	 * @param ids the entries' ids, in order
	 * @param topics their topics
	 * @param weights their sizes
	 * @param read the events read, by id
	 * @param end the chunk's last id (the feed is handled up to it)
	 */
	void deliver(long[] ids, List<String> topics, long[] weights, Function<Long, @Nullable BrokerEvent> read,
			long end) {
		synchronized (this.lock) {
			for (int i = 0; i < ids.length; i++) {
				List<Part> parts = this.local.get(topics.get(i));
				if (parts == null) {
					continue;
				}
				BrokerEvent event = read.apply(ids[i]);
				for (Part part : List.copyOf(parts)) {
					if (event != null) {
						part.offer(event, ids[i], weights[i], this.pendingLimit);
					}
					else {
						part.lost(ids[i]);
					}
				}
				if (event == null) {
					log.warn("SSE topic '{}': event {} left Redis before this instance read it; its subscribers are "
							+ "told to reset", BucketReader.abbreviate(topics.get(i)), ids[i]);
				}
			}
			this.position = end;
		}
	}

	/** The reader lost its place: parts that come from now on start at {@code seq}. */
	List<String> beginCatchUp(long seq) {
		synchronized (this.lock) {
			this.inflightEnd = Math.max(this.inflightEnd, seq);
			return List.copyOf(this.local.keySet());
		}
	}

	/**
	 * After the reader lost its place in the feed: in the same epoch, on from the feed's
	 * oldest entry, each part reset if one of its topics changed since it stood; in a new
	 * epoch, every part reset, on from {@code seq}.
	 */
	void caughtUp(long feedStart, long seq, long epoch, Map<String, Long> lastIds) {
		synchronized (this.lock) {
			log.warn(
					"SSE topics: the reader of bucket {} fell behind the feed (at {}, the feed starts after {}); "
							+ "subscribers of topics that changed meanwhile are told to reset",
					this.bucket.index(), this.position, feedStart);
			boolean sameEpoch = epoch == this.origin;
			restartAt(sameEpoch ? feedStart : seq, sameEpoch ? lastIds : null);
			this.inflightEnd = Math.max(this.inflightEnd, seq);
			this.origin = epoch;
		}
		saw(seq);
	}

	boolean sameEpoch(long epoch) {
		synchronized (this.lock) {
			return epoch == this.origin;
		}
	}

	/**
	 * Under the lock: the reader goes on after {@code seq}. With the topics' last ids, a
	 * part that may have missed an event (its topic's last id is above where it stands)
	 * is reset; without them (a new epoch, or lost writes) every part is.
	 */
	private void restartAt(long seq, @Nullable Map<String, Long> lastIds) {
		// Each part once, whatever the number of its topics: one reset at most, decided
		// from all of them before its floor moves.
		Set<Part> parts = Collections.newSetFromMap(new IdentityHashMap<>());
		this.local.values().forEach(parts::addAll);
		for (Part part : parts) {
			if (lastIds == null) {
				part.restart(seq);
			}
			else if (part.floor < seq) {
				if (changedSince(part, lastIds)) {
					part.lost(seq);
				}
				else if (!part.replaying) {
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

	/** Whether one of the part's topics has an event above where the part stands. */
	private static boolean changedSince(Part part, Map<String, Long> lastIds) {
		for (String topic : part.topics) {
			Long last = lastIds.get(topic);
			if (last == null || last > part.floor) {
				return true;
			}
		}
		return false;
	}

}
