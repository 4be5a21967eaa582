package dev.sse.spi;

import java.util.Locale;

/**
 * Why an open stream ended: an SPI type, seen by {@link StreamListener}s and in the
 * {@code reason} tag of {@code sse.connections.closed}. Each value means one thing. A
 * stream that never opened (refused, or its request failed first) is not closed: it is
 * rejected.
 */
public enum CloseReason {

	/** The callback returned or called {@code close()}. */
	COMPLETED,

	/**
	 * The client went away: a write failed or the container reported the connection gone.
	 */
	CLIENT,

	/** The stream's timeout expired. */
	TIMEOUT,

	/** The callback threw. */
	ERROR,

	/**
	 * The client could not keep up: its buffer filled, a send waited too long, or its
	 * socket took nothing for the stall timeout.
	 */
	SLOW_CLIENT,

	/** An operator closed it (Actuator {@code DELETE /actuator/sse/{id}}). */
	EVICTED,

	/** The application shut down. */
	SHUTDOWN;

	/**
	 * The lower-case name, as used in logs and metric tags.
	 * @return the tag value, e.g. {@code slow_client}
	 */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
