package dev.sse;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The options of one stream. Immutable: every setter returns a new instance. An option
 * left unset falls back to its application-wide default under {@code sse.*} in
 * {@code application.yml}.
 *
 * <pre>{@code
 * SseOptions.defaults().async(true).keepAliveInterval(Duration.ofSeconds(30)).timeout(Duration.ofMinutes(5))
 * }</pre>
 */
public final class SseOptions {

	private static final SseOptions DEFAULTS = new SseOptions(null, null, null, null, null);

	private final @Nullable Boolean async;

	private final @Nullable Duration retry;

	private final @Nullable Duration keepAliveInterval;

	private final @Nullable Duration timeout;

	private final @Nullable String cors;

	private SseOptions(@Nullable Boolean async, @Nullable Duration retry, @Nullable Duration keepAliveInterval,
			@Nullable Duration timeout, @Nullable String cors) {
		this.async = async;
		this.retry = retry;
		this.keepAliveInterval = keepAliveInterval;
		this.timeout = timeout;
		this.cors = cors;
	}

	/**
	 * Options with nothing set: every option comes from {@code application.yml}.
	 * @return the empty options
	 */
	public static SseOptions defaults() {
		return DEFAULTS;
	}

	/**
	 * Runs the callback on the {@code sseTaskExecutor} and frees the request thread at
	 * once ({@code true}), or on the request thread ({@code false}).
	 * @param async whether the callback runs in the background
	 * @return new options
	 */
	public SseOptions async(boolean async) {
		return new SseOptions(async, this.retry, this.keepAliveInterval, this.timeout, this.cors);
	}

	/**
	 * The reconnection delay the client is told with the first bytes ({@code retry:}
	 * field); zero sends none, so the browser's default applies. A retry field cannot
	 * stop a client from reconnecting: answer its next request with 204 to do that.
	 * @param retry zero or more, millisecond precision
	 * @return new options
	 */
	public SseOptions retry(Duration retry) {
		return new SseOptions(this.async, nonNegative(retry, "retry"), this.keepAliveInterval, this.timeout, this.cors);
	}

	/**
	 * How long a stream may stay idle before a {@code :} comment is sent to keep proxies
	 * from closing it; any write resets the clock. Zero disables keep-alive comments.
	 * @param interval zero or more
	 * @return new options
	 */
	public SseOptions keepAliveInterval(Duration interval) {
		return new SseOptions(this.async, this.retry, nonNegative(interval, "keepAliveInterval"), this.timeout,
				this.cors);
	}

	/**
	 * The longest a stream may stay open; when it expires the stream closes and an async
	 * callback's thread is interrupted. Zero means no limit.
	 * @param timeout zero or more
	 * @return new options
	 */
	public SseOptions timeout(Duration timeout) {
		return new SseOptions(this.async, this.retry, this.keepAliveInterval, nonNegative(timeout, "timeout"),
				this.cors);
	}

	/**
	 * Which origins may read the stream from another site: {@code ""} for none (no CORS
	 * headers), {@code "*"} for any (without credentials), or a comma-separated list of
	 * origins (a matching request {@code Origin} is echoed with credentials allowed).
	 * @param cors the allowed origins
	 * @return new options
	 */
	public SseOptions cors(String cors) {
		Objects.requireNonNull(cors, "cors must not be null; use \"\" for no CORS headers");
		return new SseOptions(this.async, this.retry, this.keepAliveInterval, this.timeout, cors);
	}

	/**
	 * These options, with every unset option taken from {@code fallback}.
	 * @param fallback the options to fall back to
	 * @return the merged options
	 */
	public SseOptions orElse(SseOptions fallback) {
		return new SseOptions(pick(this.async, fallback.async), pick(this.retry, fallback.retry),
				pick(this.keepAliveInterval, fallback.keepAliveInterval), pick(this.timeout, fallback.timeout),
				pick(this.cors, fallback.cors));
	}

	/**
	 * @return whether the callback runs async, or {@code null} when unset
	 */
	public @Nullable Boolean getAsync() {
		return this.async;
	}

	/**
	 * @return the retry delay, or {@code null} when unset
	 */
	public @Nullable Duration getRetry() {
		return this.retry;
	}

	/**
	 * @return the keep-alive interval, or {@code null} when unset
	 */
	public @Nullable Duration getKeepAliveInterval() {
		return this.keepAliveInterval;
	}

	/**
	 * @return the timeout, or {@code null} when unset
	 */
	public @Nullable Duration getTimeout() {
		return this.timeout;
	}

	/**
	 * @return the allowed CORS origins, or {@code null} when unset
	 */
	public @Nullable String getCors() {
		return this.cors;
	}

	private static <T> @Nullable T pick(@Nullable T value, @Nullable T fallback) {
		return (value != null) ? value : fallback;
	}

	private static Duration nonNegative(Duration value, String name) {
		Objects.requireNonNull(value, () -> name + " must not be null");
		if (value.isNegative()) {
			throw new IllegalArgumentException(name + " must not be negative, was " + value);
		}
		return value;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (other instanceof SseOptions that) && Objects.equals(this.async, that.async)
				&& Objects.equals(this.retry, that.retry)
				&& Objects.equals(this.keepAliveInterval, that.keepAliveInterval)
				&& Objects.equals(this.timeout, that.timeout) && Objects.equals(this.cors, that.cors);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.async, this.retry, this.keepAliveInterval, this.timeout, this.cors);
	}

	@Override
	public String toString() {
		return "SseOptions[async=" + this.async + ", retry=" + this.retry + ", keepAliveInterval="
				+ this.keepAliveInterval + ", timeout=" + this.timeout + ", cors=" + this.cors + "]";
	}

}
