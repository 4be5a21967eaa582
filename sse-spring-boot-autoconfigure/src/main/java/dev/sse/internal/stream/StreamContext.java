package dev.sse.internal.stream;

import dev.sse.internal.wire.EncodedEvent;
import dev.sse.internal.wire.SseEncoder;
import dev.sse.spi.DataConverter;
import dev.sse.spi.SseBroker;

/**
 * What a stream needs from the service that made it, handed over once: settings, the
 * encoder and converter, the registry it reports to, the threads it may use, and the
 * broker. Internal.
 */
record StreamContext(StreamSettings settings, TopicSettings topics, SseEncoder encoder, DataConverter dataConverter,
		StreamRegistry registry, StreamExecutors executors, SseBroker broker, TopicEventEncoder topicEncoder,
		EncodedEvent keepAlive, EncodedEvent probe, EncodedEvent reset) {

	static StreamContext of(StreamSettings settings, TopicSettings topics, DataConverter dataConverter,
			StreamRegistry registry, StreamExecutors executors, SseBroker broker) {
		SseEncoder encoder = new SseEncoder(settings.chunkSize());
		return new StreamContext(settings, topics, encoder, dataConverter, registry, executors, broker,
				new TopicEventEncoder(encoder), encoder.comment("keep-alive"), encoder.comment(null),
				encoder.event(topics.resetEvent(), null, "{\"reset\":true}"));
	}
}
