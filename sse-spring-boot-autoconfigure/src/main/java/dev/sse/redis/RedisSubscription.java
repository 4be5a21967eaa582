package dev.sse.redis;

import java.util.ArrayList;
import java.util.List;

import dev.sse.internal.topics.EventIds;
import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber's subscription: a part per bucket its topics hash to, each followed by
 * that bucket's reader. A client resumes from one id: a plain number (the bucket's
 * position) when all its topics share a bucket, else a position per bucket,
 * {@code <bucket>:<position>,...}; every event the subscriber gets carries the whole
 * position, so its id is what the client sends back.
 */
final class RedisSubscription implements SseBroker.Subscription {

	private static final Logger log = LoggerFactory.getLogger(RedisSubscription.class);

	private final SseBroker.Subscriber subscriber;

	private final List<Part> parts;

	/** Per part, the position the subscriber's last event carried (under this). */
	private final long[] sent;

	private boolean closed;

	/** Whether the subscriber got a reset while subscribing (one is enough). */
	private boolean resetSent;

	RedisSubscription(SseBroker.Subscriber subscriber, List<BucketState> buckets, List<List<String>> topics) {
		this.subscriber = subscriber;
		this.parts = new ArrayList<>(buckets.size());
		for (int i = 0; i < buckets.size(); i++) {
			this.parts.add(new Part(this, i, buckets.get(i), topics.get(i)));
		}
		this.sent = new long[buckets.size()];
	}

	List<Part> parts() {
		return this.parts;
	}

	@Override
	public synchronized String position() {
		return encode(this.sent);
	}

	private String encode(long[] positions) {
		if (positions.length == 1) {
			return Long.toString(positions[0]);
		}
		StringBuilder id = new StringBuilder();
		for (int i = 0; i < positions.length; i++) {
			if (i > 0) {
				id.append(',');
			}
			id.append(this.parts.get(i).bucket.bucket().index()).append(':').append(positions[i]);
		}
		return id.toString();
	}

	/**
	 * The client's position per part, read from its {@code Last-Event-ID}.
	 * @return the positions, or {@code null} when the id does not name every part's
	 * bucket
	 */
	long @Nullable [] parse(String lastEventId) {
		long[] positions = new long[this.parts.size()];
		if (this.parts.size() == 1 && lastEventId.indexOf(':') < 0) {
			positions[0] = EventIds.parse(lastEventId);
			return (positions[0] >= 0) ? positions : null;
		}
		java.util.Arrays.fill(positions, -1);
		if (lastEventId.length() > 24 * this.parts.size() + 64) {
			return null;
		}
		for (String item : lastEventId.split(",", -1)) {
			int colon = item.indexOf(':');
			if (colon <= 0) {
				return null;
			}
			int bucket;
			try {
				bucket = Integer.parseInt(item.substring(0, colon));
			}
			catch (NumberFormatException ex) {
				return null;
			}
			long position = EventIds.parse(item.substring(colon + 1));
			for (Part part : this.parts) {
				if (part.bucket.bucket().index() == bucket) {
					positions[part.index] = position;
				}
			}
		}
		for (long position : positions) {
			if (position < 0) {
				return null;
			}
		}
		return positions;
	}

	/** On the subscribing thread or a reader's, under that reader's lock. */
	synchronized void deliver(Part part, BrokerEvent event, long id) {
		this.sent[part.index] = id;
		BrokerEvent delivered = (this.parts.size() == 1) ? event
				: new BrokerEvent(event.topic(), encode(this.sent), event.event(), event.data());
		try {
			this.subscriber.event(delivered);
		}
		catch (Throwable ex) {
			// Whatever it throws (an error, a checked exception thrown sneakily), the
			// reader goes on for everyone else.
			log.warn("SSE subscriber {} failed on event {} of topic '{}'", this.subscriber, id,
					BucketReader.abbreviate(event.topic()), ex);
		}
	}

	/**
	 * The subscriber must reload: once while subscribing, at every gap after.
	 * @param subscribing whether this is the subscribing thread (then once is enough)
	 */
	synchronized void reset(boolean subscribing) {
		if (subscribing && this.resetSent) {
			return;
		}
		this.resetSent |= subscribing;
		try {
			this.subscriber.reset();
		}
		catch (Throwable ex) {
			log.warn("SSE subscriber {} failed on reset", this.subscriber, ex);
		}
	}

	/** Where a part stands once no event is owed below it. */
	synchronized void advance(Part part, long position) {
		this.sent[part.index] = Math.max(this.sent[part.index], position);
	}

	/** A new epoch: the part's positions of the one before mean nothing. */
	synchronized void restart(Part part, long position) {
		this.sent[part.index] = position;
		reset(false);
	}

	@Override
	public void close() {
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
		}
		for (Part part : this.parts) {
			part.bucket.unregister(part);
		}
	}

	@Override
	public String toString() {
		return "RedisSubscription[" + this.subscriber + "]";
	}

	/**
	 * The topics of one bucket: fields guarded by its {@link BucketState}'s lock.
	 */
	static final class Part {

		final RedisSubscription subscription;

		final int index;

		final BucketState bucket;

		final List<String> topics;

		/**
		 * Every event at or below it is done: delivered, replayed, or before the start.
		 */
		long floor;

		/** While its replay runs, live events wait in {@link #pending}. */
		boolean replaying;

		/** While replaying: only events above it are kept. */
		long liveFrom;

		final List<BrokerEvent> pending = new ArrayList<>();

		long pendingBytes;

		/**
		 * Live events were lost while replaying (too many, or a gap): reset at the end.
		 */
		boolean overflowed;

		boolean registered;

		/**
		 * Whether the last thing this part got was a reset (one per run of lost events).
		 */
		private boolean resetLast;

		Part(RedisSubscription subscription, int index, BucketState bucket, List<String> topics) {
			this.subscription = subscription;
			this.index = index;
			this.bucket = bucket;
			this.topics = topics;
		}

		/** A live event of one of its topics, in id order. */
		void offer(BrokerEvent event, long id, long weight, long pendingLimit) {
			if (this.replaying) {
				if (id > this.liveFrom && !this.overflowed) {
					this.pendingBytes += weight;
					if (this.pendingBytes > pendingLimit) {
						this.overflowed = true;
						this.pending.clear();
					}
					else {
						this.pending.add(event);
					}
				}
			}
			else if (id > this.floor) {
				this.floor = id;
				this.resetLast = false;
				this.subscription.deliver(this, event, id);
			}
		}

		/** The bucket started a new epoch at this position: reset, then on from there. */
		void restart(long position) {
			this.floor = position;
			this.liveFrom = position;
			if (this.replaying) {
				this.overflowed = true;
				this.pending.clear();
			}
			else {
				this.subscription.restart(this, position);
			}
		}

		/** An event of its topics at this id is lost to it: reset, then on from there. */
		void lost(long id) {
			if (this.replaying) {
				this.overflowed = true;
				this.pending.clear();
			}
			else if (id > this.floor) {
				this.floor = id;
				if (!this.resetLast) {
					this.resetLast = true;
					this.subscription.reset(false);
				}
				this.subscription.advance(this, id);
			}
		}

	}

}
