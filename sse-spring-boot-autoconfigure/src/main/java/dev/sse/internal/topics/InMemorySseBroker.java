package dev.sse.internal.topics;

import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import dev.sse.spi.SseBrokerException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default broker: one application instance, everything in memory. Ids start from the
 * wall clock ({@link EventIds}) and count up; a single lock orders publications,
 * subscriptions and replays, so ids increase in delivery order and a replay joins the
 * live events without a gap or a duplicate. Delivery inside the lock only queues
 * (subscribers never block), so the lock is held for microseconds per subscriber.
 */
public final class InMemorySseBroker implements SseBroker {

	private static final Logger log = LoggerFactory.getLogger(InMemorySseBroker.class);

	private final Object lock = new Object();

	private final Map<String, Topic> topics = new HashMap<>();

	private final Limits limits;

	private final LongSupplier nanoTime;

	private long lastId;

	/**
	 * Below this, an id is not covered by any topic: the first id of this run, or what
	 * forgotten topics had dropped.
	 */
	private long forgottenUpTo;

	private long historyEvents;

	/**
	 * @param historySize events kept per topic for replay (0 keeps none)
	 * @param historyTtl how long an event stays in history
	 */
	public InMemorySseBroker(int historySize, Duration historyTtl) {
		this(new Limits(historySize, historyTtl, Long.MAX_VALUE, Integer.MAX_VALUE));
	}

	/**
	 * @param limits how much history and how many topics the broker keeps
	 */
	public InMemorySseBroker(Limits limits) {
		this(limits, EventIds.firstOfRun(System.currentTimeMillis()), System::nanoTime);
	}

	InMemorySseBroker(Limits limits, long idBeforeFirst, LongSupplier nanoTime) {
		this.limits = limits;
		this.lastId = idBeforeFirst;
		this.forgottenUpTo = idBeforeFirst;
		this.nanoTime = nanoTime;
	}

	/**
	 * What the broker keeps at most.
	 *
	 * @param historySize events kept per topic (0 keeps none)
	 * @param historyTtl how long an event stays in history
	 * @param historyBytes data bytes (UTF-16 chars counted twice) kept per topic
	 * @param maxTopics topics held at once; publishing to or subscribing to one more is
	 * refused
	 */
	public record Limits(int historySize, Duration historyTtl, long historyBytes, int maxTopics) {

		/**
		 * Checks the limits.
		 * @param historySize events kept per topic
		 * @param historyTtl how long an event stays in history
		 * @param historyBytes data bytes kept per topic
		 * @param maxTopics topics held at once
		 */
		public Limits {
			if (historySize < 0 || historyBytes < 0 || maxTopics < 1 || historyTtl.isNegative()) {
				throw new IllegalArgumentException("Invalid broker limits: history size " + historySize
						+ ", history bytes " + historyBytes + ", max topics " + maxTopics + ", ttl " + historyTtl);
			}
		}
	}

	/**
	 * An event in history, with when it was published (this JVM's clock, for the age
	 * limit).
	 */
	private record Kept(BrokerEvent event, long id, long publishedAtNanos, long bytes) {
	}

	private static final class Topic {

		final ArrayDeque<Kept> history = new ArrayDeque<>();

		final List<Subscriber> subscribers = new ArrayList<>(1);

		long historyBytes;

		/**
		 * The highest id dropped from history: a client whose last id is below it may
		 * have missed events.
		 */
		long droppedUpTo;

		Topic(long droppedUpTo) {
			this.droppedUpTo = droppedUpTo;
		}

		boolean isForgettable() {
			return this.subscribers.isEmpty() && this.history.isEmpty();
		}

	}

	@Override
	public BrokerEvent publish(String topic, @Nullable String event, String data) {
		checkTopic(topic);
		synchronized (this.lock) {
			long now = this.nanoTime.getAsLong();
			Topic t = topic(topic, now);
			long id = ++this.lastId;
			BrokerEvent published = new BrokerEvent(topic, Long.toString(id), event, data);
			if (this.limits.historySize() > 0) {
				long bytes = 2L * data.length() + ((event != null) ? 2L * event.length() : 0) + 64;
				t.history.addLast(new Kept(published, id, now, bytes));
				t.historyBytes += bytes;
				this.historyEvents++;
			}
			else {
				t.droppedUpTo = id;
			}
			trim(t, now);
			for (Subscriber subscriber : t.subscribers) {
				deliver(subscriber, published);
			}
			if (t.isForgettable()) {
				forget(topic, t);
			}
			return published;
		}
	}

	/** Under the lock: the topic, created if new and the topic limit allows. */
	private Topic topic(String name, long now) {
		Topic t = this.topics.get(name);
		if (t != null) {
			return t;
		}
		if (this.topics.size() >= this.limits.maxTopics()) {
			purge(now);
			if (this.topics.size() >= this.limits.maxTopics()) {
				throw new SseBrokerException("Too many topics: " + this.topics.size()
						+ " are held, the most allowed (sse.topics.max-topics); refused topic '" + abbreviate(name)
						+ "'");
			}
		}
		t = new Topic(this.forgottenUpTo);
		this.topics.put(name, t);
		return t;
	}

	@Override
	public Subscription subscribe(Collection<String> topics, @Nullable String lastEventId, Subscriber subscriber) {
		Set<String> names = new LinkedHashSet<>(topics);
		if (names.isEmpty()) {
			throw new IllegalArgumentException("subscribe needs at least one topic");
		}
		names.forEach(InMemorySseBroker::checkTopic);
		synchronized (this.lock) {
			long now = this.nanoTime.getAsLong();
			List<Topic> subscribed = new ArrayList<>(names.size());
			List<String> created = new ArrayList<>();
			try {
				for (String name : names) {
					if (!this.topics.containsKey(name)) {
						created.add(name);
					}
					Topic t = topic(name, now);
					trim(t, now);
					subscribed.add(t);
				}
			}
			catch (RuntimeException ex) {
				created.forEach(this.topics::remove);
				throw ex;
			}
			if (lastEventId != null && !lastEventId.isEmpty()) {
				replay(subscribed, EventIds.parse(lastEventId), subscriber);
			}
			for (Topic t : subscribed) {
				t.subscribers.add(subscriber);
			}
			return new InMemorySubscription(names, subscriber, Long.toString(this.lastId));
		}
	}

	private final class InMemorySubscription implements Subscription {

		private final Set<String> names;

		private final Subscriber subscriber;

		private final String position;

		private boolean closed;

		InMemorySubscription(Set<String> names, Subscriber subscriber, String position) {
			this.names = names;
			this.subscriber = subscriber;
			this.position = position;
		}

		@Override
		public String position() {
			return this.position;
		}

		@Override
		public void close() {
			synchronized (InMemorySseBroker.this.lock) {
				if (this.closed) {
					return;
				}
				this.closed = true;
				for (String name : this.names) {
					Topic t = InMemorySseBroker.this.topics.get(name);
					if (t != null) {
						t.subscribers.remove(this.subscriber);
						if (t.isForgettable()) {
							forget(name, t);
						}
					}
				}
			}
		}

	}

	/**
	 * Under the lock: the events after the id, in id order, or a reset when history
	 * cannot cover it.
	 */
	private void replay(List<Topic> subscribed, long after, Subscriber subscriber) {
		// Malformed (-1), from the future, from an earlier run (below this run's first
		// id), or older than history holds.
		boolean covered = after >= 0 && after <= this.lastId;
		for (Topic t : subscribed) {
			covered &= t.droppedUpTo <= after;
		}
		if (!covered) {
			try {
				subscriber.reset();
			}
			catch (Throwable ex) {
				log.warn("SSE subscriber {} failed on reset", subscriber, ex);
			}
			return;
		}
		List<Kept> missed = new ArrayList<>();
		for (Topic t : subscribed) {
			// History is in id order: walk back only over what was missed.
			for (var it = t.history.descendingIterator(); it.hasNext();) {
				Kept k = it.next();
				if (k.id() <= after) {
					break;
				}
				missed.add(k);
			}
		}
		missed.sort(Comparator.comparingLong(Kept::id));
		for (Kept k : missed) {
			deliver(subscriber, k.event());
		}
	}

	/** One subscriber's failure never keeps the event from the others. */
	private static void deliver(Subscriber subscriber, BrokerEvent event) {
		try {
			subscriber.event(event);
		}
		catch (Throwable ex) {
			// Whatever it throws (an error, a checked exception thrown sneakily).
			log.warn("SSE subscriber {} failed on event {} of topic '{}'", subscriber, event.id(),
					abbreviate(event.topic()), ex);
		}
	}

	/**
	 * Under the lock. A topic created later under the same name starts from what this one
	 * had dropped.
	 */
	private void forget(String name, Topic t) {
		this.topics.remove(name);
		this.forgottenUpTo = Math.max(this.forgottenUpTo, t.droppedUpTo);
	}

	private void trim(Topic t, long now) {
		while (!t.history.isEmpty()
				&& (t.history.size() > this.limits.historySize() || t.historyBytes > this.limits.historyBytes()
						|| now - t.history.peekFirst().publishedAtNanos() > this.limits.historyTtl().toNanos())) {
			Kept dropped = t.history.pollFirst();
			t.droppedUpTo = dropped.id();
			t.historyBytes -= dropped.bytes();
			this.historyEvents--;
		}
	}

	@Override
	public int topicCount() {
		synchronized (this.lock) {
			return this.topics.size();
		}
	}

	/**
	 * The subscriptions open now, counted once per topic they follow.
	 * @return how many
	 */
	public int subscriberCount() {
		synchronized (this.lock) {
			return this.topics.values().stream().mapToInt((t) -> t.subscribers.size()).sum();
		}
	}

	@Override
	public long historySize() {
		synchronized (this.lock) {
			return this.historyEvents;
		}
	}

	@Override
	public void purge() {
		synchronized (this.lock) {
			purge(this.nanoTime.getAsLong());
		}
	}

	private void purge(long now) {
		this.topics.values().removeIf((t) -> {
			trim(t, now);
			if (t.isForgettable()) {
				this.forgottenUpTo = Math.max(this.forgottenUpTo, t.droppedUpTo);
				return true;
			}
			return false;
		});
	}

	private static void checkTopic(@Nullable String topic) {
		TopicNames.check(topic);
	}

	private static String abbreviate(String text) {
		return (text.length() > 100) ? text.substring(0, 100) + "..." : text;
	}

}
