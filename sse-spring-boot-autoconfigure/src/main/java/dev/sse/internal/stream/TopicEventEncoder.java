package dev.sse.internal.stream;

import dev.sse.internal.wire.EncodedEvent;
import dev.sse.internal.wire.SseEncoder;
import dev.sse.spi.BrokerEvent;

/**
 * Encodes a broker's events once for all their subscribers: a broker hands the same
 * {@link BrokerEvent} instance to every local subscriber, and a small identity-keyed
 * table remembers the bytes of the events seen last. A miss only costs an extra encoding.
 * Lock-free: entries are immutable, so a racy read sees a whole entry or another one.
 * Internal.
 */
final class TopicEventEncoder {

	private static final int SLOTS = 256;

	private final SseEncoder encoder;

	private final Entry[] slots = new Entry[SLOTS];

	TopicEventEncoder(SseEncoder encoder) {
		this.encoder = encoder;
	}

	private record Entry(BrokerEvent event, EncodedEvent encoded) {
	}

	EncodedEvent encode(BrokerEvent event) {
		int slot = System.identityHashCode(event) & (SLOTS - 1);
		Entry entry = this.slots[slot];
		if (entry != null && entry.event() == event) {
			return entry.encoded();
		}
		EncodedEvent encoded = this.encoder.event(event.event(), event.id(), event.data());
		this.slots[slot] = new Entry(event, encoded);
		return encoded;
	}

}
