package dev.sse.spi;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

/**
 * Fans events published to topics out to subscribers, and keeps a bounded history per
 * topic so a subscriber that reconnects with {@code Last-Event-ID} gets what it missed.
 * An SPI: the starter uses its in-memory broker unless the application defines its own
 * {@code SseBroker} bean. Knows nothing of HTTP or of the wire format; events are plain
 * data.
 *
 * <p>
 * Guarantees every implementation keeps (the contract test suite,
 * {@code AbstractSseBrokerContractTest}, checks them):
 * <ul>
 * <li>every subscriber of a topic gets every event published to it after it subscribed,
 * once, in publish order;</li>
 * <li>a published event's id is a positive decimal number, increasing per topic and never
 * reused after a restart (the starter's brokers count microseconds of the wall clock, so
 * an id from an earlier run is older than any of a new one, and stay below 2^53); the
 * same event has the same id wherever it is delivered to a subscriber of its topic alone.
 * The id a subscriber gets is the position its client sends back as
 * {@code Last-Event-ID}: for a subscription of several topics a broker may make it carry
 * a position per part of its own (the Redis broker does, per bucket), so the subscription
 * resumes exactly from its last one;</li>
 * <li>a replay delivers the events after the given id still in history, in order per
 * topic, then the live ones, with no gap and no duplicate at the seam; when the history
 * cannot cover that id (too old, lost from the store, from an earlier run, from the
 * future, malformed) the subscriber is told to reset instead: decided from what the store
 * holds, never a silent skip;</li>
 * <li>replayed events and the reset are handed to the subscriber on the thread that
 * subscribes, before {@link #subscribe} returns, and no live event reaches it before
 * that;</li>
 * <li>publishing never blocks on a subscriber, and a subscriber that throws does not keep
 * the event from the others;</li>
 * <li>a topic name is non-empty well-formed UTF-16 (no lone surrogate); anything else is
 * refused with {@link IllegalArgumentException}.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface SseBroker {

	/**
	 * Publishes an event: stores it in the topic's history and hands it to every
	 * subscriber.
	 * @param topic the topic
	 * @param event the event name, or {@code null}
	 * @param data the data text
	 * @return the published event, with its id
	 * @throws IllegalArgumentException if the topic is empty
	 * @throws SseBrokerException if the broker cannot take the event (it was not
	 * published)
	 */
	BrokerEvent publish(String topic, @Nullable String event, String data);

	/**
	 * Subscribes to topics. Replayed events (or the reset) are handed to the subscriber
	 * on this thread before this method returns, the live ones after.
	 * @param topics the topics, at least one
	 * @param lastEventId the id the client last saw, or {@code null} for live events only
	 * @param subscriber receives the events; must not block
	 * @return the subscription; close it to stop receiving
	 * @throws IllegalArgumentException if the topic list is empty or a topic is empty
	 */
	Subscription subscribe(Collection<String> topics, @Nullable String lastEventId, Subscriber subscriber);

	/**
	 * The topics the broker holds in this application (with subscribers or history).
	 * @return how many
	 */
	int topicCount();

	/**
	 * The events the broker keeps for replay in this application, across its topics.
	 * @return how many
	 */
	long historySize();

	/**
	 * Drops history past its age limit and forgets topics with neither subscribers nor
	 * history. Called about once a second by the starter; a broker that needs no
	 * housekeeping does nothing.
	 */
	default void purge() {
	}

	/** Receives a subscription's events. Calls must return quickly: never block. */
	interface Subscriber {

		/**
		 * An event, replayed or live, in id order.
		 * @param event the event
		 */
		void event(BrokerEvent event);

		/**
		 * The history cannot cover the client's last event id: it must reload its state.
		 */
		void reset();

	}

	/** A live subscription. */
	interface Subscription extends AutoCloseable {

		/**
		 * Where the subscription starts: the id of the last event published before it
		 * took effect (after any replay). Every event after it reaches the subscriber, so
		 * a client that reconnects with it misses nothing, even if it received no event
		 * in between.
		 * @return the id
		 */
		String position();

		/** Stops the events; idempotent. */
		@Override
		void close();

	}

}
