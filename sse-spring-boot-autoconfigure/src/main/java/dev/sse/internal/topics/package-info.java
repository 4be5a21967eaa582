/**
 * The in-memory broker (one instance's fan-out and bounded history for
 * {@code Last-Event-ID} replay), event ids and topic names. Internal: not part of the
 * starter's API; implement {@link dev.sse.spi.SseBroker} to fan out across instances.
 */
@NullMarked
package dev.sse.internal.topics;

import org.jspecify.annotations.NullMarked;
