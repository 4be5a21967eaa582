package dev.sse.internal.stream;

/**
 * The settings of topic streams, resolved from {@code sse.topics.*}. Internal.
 *
 * @param bufferSize the most bytes queued for one subscriber before it is cut off as a
 * slow client
 * @param resetEvent the event sent when history cannot cover a client's last event id
 * @param maxNameLength the longest topic name
 * @param maxPerStream the most topics one subscription follows
 */
public record TopicSettings(long bufferSize, String resetEvent, int maxNameLength, int maxPerStream) {
}
