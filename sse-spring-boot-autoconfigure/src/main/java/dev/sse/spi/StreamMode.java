package dev.sse.spi;

import java.util.Locale;

/**
 * How a stream is served: an SPI type, seen by {@link StreamListener}s, in the
 * {@code mode} tag of the stream meters and in the Actuator endpoint.
 */
public enum StreamMode {

	/** A callback on the request's thread. */
	SYNC,

	/** A callback on the {@code sseTaskExecutor}. */
	ASYNC,

	/** A subscription to topics: no callback. */
	TOPIC;

	/**
	 * The lower-case name, as used in logs, metric tags and the Actuator endpoint.
	 * @return the tag value, e.g. {@code async}
	 */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
