package dev.sse.stream;

import java.time.Duration;

/**
 * The settings of topic streams, resolved from {@code sse.topics.*}. Internal.
 *
 * @param bufferSize the most bytes queued for one subscriber before it is evicted
 * @param stallTimeout how long a subscriber's socket may take nothing before it is evicted
 * @param resetEvent the event sent when history cannot cover a client's last event id
 */
public record TopicSettings(long bufferSize, Duration stallTimeout, String resetEvent) {
}
