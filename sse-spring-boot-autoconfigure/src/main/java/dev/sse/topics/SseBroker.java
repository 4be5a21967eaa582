package dev.sse.topics;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

/**
 * Fans events published to topics out to subscribers, and keeps a bounded history per topic so a
 * subscriber that reconnects with {@code Last-Event-ID} gets what it missed. Knows nothing of HTTP.
 *
 * <p>Guarantees every implementation keeps (the contract test suite checks them): every
 * subscriber of a topic gets every event published to it after it subscribed, once, in publish
 * order; ids increase across all topics; a replay delivers the events after the given id still in
 * history, in id order, then the live ones, with no gap and no duplicate at the seam; when the
 * history no longer covers that id, the subscriber is told to reset instead. Publishing never
 * blocks on a subscriber. Thread-safe.
 */
public interface SseBroker {

    /**
     * Publishes an event: stores it in the topic's history and hands it to every subscriber.
     * @param topic the topic
     * @param event the event name, or {@code null}
     * @param data the data text
     * @return the published event, with its id
     */
    BrokerEvent publish(String topic, @Nullable String event, String data);

    /**
     * Subscribes to topics. Replayed events (and the reset) are handed to the subscriber before
     * this method returns, the live ones after.
     * @param topics the topics, at least one
     * @param lastEventId the id the client last saw, or {@code null} for live events only
     * @param subscriber receives the events; must not block
     * @return the subscription; close it to stop receiving
     */
    Subscription subscribe(Collection<String> topics, @Nullable String lastEventId, Subscriber subscriber);

    /**
     * The topics the broker holds (with subscribers or history).
     * @return how many
     */
    int topicCount();

    /**
     * Drops history past its age limit and forgets topics with neither subscribers nor history.
     * Called periodically by the starter.
     */
    void purge();

    /** Receives a subscription's events. Calls must return quickly: never block. */
    interface Subscriber {

        /**
         * An event, replayed or live, in id order.
         * @param event the event
         */
        void event(BrokerEvent event);

        /** The history no longer covers the client's last event id: it must reload its state. */
        void reset();
    }

    /** A live subscription. */
    interface Subscription extends AutoCloseable {

        /** Stops the events; idempotent. */
        @Override
        void close();
    }
}
