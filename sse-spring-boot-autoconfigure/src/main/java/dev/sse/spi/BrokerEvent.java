package dev.sse.spi;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One published event, as plain data: its topic, its id, its name and its data text. A
 * broker hands the same instance to every local subscriber, so the stream side encodes it
 * once.
 *
 * @param topic the topic it was published to
 * @param id its id as its subscriber's client must send it back: the published id (a
 * positive decimal number increasing per topic), or, from a broker that spreads topics
 * over parts, a position per part for a subscription of several
 * @param event the event name, or {@code null} for an unnamed event
 * @param data the data text
 */
public record BrokerEvent(String topic, String id, @Nullable String event, String data) {

	/**
	 * Checks that nothing is missing.
	 * @param topic the topic
	 * @param id the id
	 * @param event the event name, or {@code null}
	 * @param data the data text
	 */
	public BrokerEvent {
		Objects.requireNonNull(topic, "topic");
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(data, "data");
	}

}
