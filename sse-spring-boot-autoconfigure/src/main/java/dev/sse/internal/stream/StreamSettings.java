package dev.sse.internal.stream;

import java.time.Duration;
import java.util.Objects;

import dev.sse.SseOptions;
import org.jspecify.annotations.Nullable;

/**
 * The application-wide settings of the SSE service, resolved from {@code sse.*}: made
 * with {@link #builder()}, every setting by name, each required. Immutable. Internal.
 */
public final class StreamSettings {

	private final SseOptions defaults;

	private final int chunkSize;

	private final Duration disconnectDetection;

	private final String errorEventName;

	private final boolean includeErrorMessage;

	private final Duration retryAfter;

	private final long bufferSize;

	private final Duration sendTimeout;

	private final Duration stallTimeout;

	private final Duration shutdownRetry;

	private StreamSettings(Builder b) {
		this.defaults = required(b.defaults, "defaults");
		this.chunkSize = required(b.chunkSize, "chunkSize").intValue();
		this.disconnectDetection = required(b.disconnectDetection, "disconnectDetection");
		this.errorEventName = required(b.errorEventName, "errorEventName");
		this.includeErrorMessage = required(b.includeErrorMessage, "includeErrorMessage");
		this.retryAfter = required(b.retryAfter, "retryAfter");
		this.bufferSize = required(b.bufferSize, "bufferSize");
		this.sendTimeout = required(b.sendTimeout, "sendTimeout");
		this.stallTimeout = required(b.stallTimeout, "stallTimeout");
		this.shutdownRetry = required(b.shutdownRetry, "shutdownRetry");
	}

	private static <T> T required(@Nullable T value, String name) {
		return Objects.requireNonNull(value, () -> "StreamSettings." + name + " is not set");
	}

	/**
	 * @return a builder with nothing set
	 */
	public static Builder builder() {
		return new Builder();
	}

	/** The options a stream falls back to; every option is set. */
	SseOptions defaults() {
		return this.defaults;
	}

	/** The largest piece an event goes to the socket in, in bytes. */
	int chunkSize() {
		return this.chunkSize;
	}

	/**
	 * The longest a vanished client of an idle stream goes unnoticed; zero: no probes.
	 */
	Duration disconnectDetection() {
		return this.disconnectDetection;
	}

	/** The name of the event sent when the callback throws. */
	String errorEventName() {
		return this.errorEventName;
	}

	/** Whether that event carries the exception's message. */
	boolean includeErrorMessage() {
		return this.includeErrorMessage;
	}

	/** What a refused stream's client is told to wait. */
	Duration retryAfter() {
		return this.retryAfter;
	}

	/** The most bytes queued for an async callback stream before {@code send} waits. */
	long bufferSize() {
		return this.bufferSize;
	}

	/** The longest {@code send} waits for room before the stream is cut off. */
	Duration sendTimeout() {
		return this.sendTimeout;
	}

	/** The longest a stream's socket may take nothing before it is cut off. */
	Duration stallTimeout() {
		return this.stallTimeout;
	}

	/** The reconnection delay clients are told when the application stops; zero: none. */
	Duration shutdownRetry() {
		return this.shutdownRetry;
	}

	/** Sets each setting by name; {@link #build()} fails on any left unset. */
	public static final class Builder {

		private @Nullable SseOptions defaults;

		private @Nullable Long chunkSize;

		private @Nullable Duration disconnectDetection;

		private @Nullable String errorEventName;

		private @Nullable Boolean includeErrorMessage;

		private @Nullable Duration retryAfter;

		private @Nullable Long bufferSize;

		private @Nullable Duration sendTimeout;

		private @Nullable Duration stallTimeout;

		private @Nullable Duration shutdownRetry;

		private Builder() {
		}

		public Builder defaults(SseOptions defaults) {
			this.defaults = defaults;
			return this;
		}

		public Builder chunkSize(long bytes) {
			if (bytes < 1 || bytes > Integer.MAX_VALUE) {
				throw new IllegalArgumentException("chunkSize must be 1 to 2^31-1 bytes, was " + bytes);
			}
			this.chunkSize = bytes;
			return this;
		}

		public Builder disconnectDetection(Duration disconnectDetection) {
			this.disconnectDetection = disconnectDetection;
			return this;
		}

		public Builder errorEventName(String errorEventName) {
			this.errorEventName = errorEventName;
			return this;
		}

		public Builder includeErrorMessage(boolean includeErrorMessage) {
			this.includeErrorMessage = includeErrorMessage;
			return this;
		}

		public Builder retryAfter(Duration retryAfter) {
			this.retryAfter = retryAfter;
			return this;
		}

		public Builder bufferSize(long bytes) {
			this.bufferSize = bytes;
			return this;
		}

		public Builder sendTimeout(Duration sendTimeout) {
			this.sendTimeout = sendTimeout;
			return this;
		}

		public Builder stallTimeout(Duration stallTimeout) {
			this.stallTimeout = stallTimeout;
			return this;
		}

		public Builder shutdownRetry(Duration shutdownRetry) {
			this.shutdownRetry = shutdownRetry;
			return this;
		}

		public StreamSettings build() {
			return new StreamSettings(this);
		}

	}

}
