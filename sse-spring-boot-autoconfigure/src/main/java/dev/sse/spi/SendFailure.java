package dev.sse.spi;

import java.util.Locale;

/**
 * Why a send failed: an SPI type, seen by {@link StreamListener}s and in the
 * {@code reason} tag of {@code sse.send.failures}.
 */
public enum SendFailure {

	/** The write failed: the client is gone. */
	CLIENT,

	/** The data could not be turned into text. */
	SERIALIZATION,

	/**
	 * An illegal event name or id: {@code send} threw {@code IllegalArgumentException}.
	 */
	INVALID;

	/**
	 * The lower-case name, as used in logs and metric tags.
	 * @return the tag value, e.g. {@code serialization}
	 */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
