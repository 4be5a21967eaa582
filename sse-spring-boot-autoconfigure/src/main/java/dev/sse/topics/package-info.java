/**
 * Topics: the broker that fans published events out to subscribers and keeps a bounded
 * history for {@code Last-Event-ID} replay, apart from HTTP. Implement
 * {@link dev.sse.topics.SseBroker} to fan out across instances.
 */
@NullMarked
package dev.sse.topics;

import org.jspecify.annotations.NullMarked;
