package dev.sse.spi;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A read-only view of one open stream, as {@link StreamListener}s, the meters and the
 * Actuator endpoint see it. Part of the listener SPI.
 */
public interface SseStreamInfo {

	/**
	 * @return the stream's id, unique in this application
	 */
	String id();

	/**
	 * @return the handler's route pattern (as {@code http.server.requests} tags it), or
	 * {@code UNKNOWN}
	 */
	String route();

	/**
	 * @return how it is served (its {@link StreamMode#tag() tag} is the meters' and the
	 * endpoint's {@code mode})
	 */
	StreamMode mode();

	/**
	 * @return the client's address
	 */
	String remoteAddress();

	/**
	 * @return when the stream opened (or was created, if it never opened)
	 */
	Instant openedAt();

	/**
	 * @return the events sent so far (not comments)
	 */
	long eventsSent();

	/**
	 * @return the bytes written so far, comments and the opening included
	 */
	long bytesSent();

	/**
	 * @return the id of the last event sent with one, or {@code null}
	 */
	@Nullable String lastSentEventId();

	/**
	 * @return the topics the stream follows; empty for a callback stream
	 */
	List<String> topics();

	/**
	 * @return the bytes waiting to be written to the client
	 */
	long queuedBytes();

}
