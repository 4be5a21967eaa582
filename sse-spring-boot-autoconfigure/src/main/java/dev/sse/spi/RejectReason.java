package dev.sse.spi;

import java.util.Locale;

/**
 * Why a stream was refused before it opened: an SPI type, seen by {@link StreamListener}s
 * and in the {@code reason} tag of {@code sse.connections.rejected}.
 */
public enum RejectReason {

	/** The async executor refused the callback (503). */
	CAPACITY,

	/** {@code sse.max-connections} was reached (503). */
	LIMIT,

	/** The client was over {@code sse.max-connections-per-client} (429). */
	CLIENT_LIMIT,

	/** Synchronous callbacks were over their share of the request threads (503). */
	SYNC_LIMIT,

	/** The topics' broker could not take the subscription (503). */
	BROKER;

	/**
	 * The lower-case name with dashes, as used in logs and metric tags.
	 * @return the tag value, e.g. {@code client-limit}
	 */
	public String tag() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
