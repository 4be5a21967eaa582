package dev.sse;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * Thrown by {@code SseService} when a stream cannot be served: Spring MVC answers with
 * its status (503, or 429 for a client over its own limit) and {@code Retry-After},
 * before anything is streamed.
 */
public class SseStreamRejectedException extends ResponseStatusException {

	private final HttpHeaders headers = new HttpHeaders();

	/**
	 * A 503: the async executor refused the callback.
	 * @param retryAfter what the client is told to wait before trying again
	 * @param cause the executor's refusal
	 */
	public SseStreamRejectedException(Duration retryAfter, Throwable cause) {
		this(HttpStatus.SERVICE_UNAVAILABLE, "Too many open SSE streams", retryAfter, cause);
	}

	/**
	 * A 503.
	 * @param retryAfter what the client is told to wait before trying again
	 * @param reason why
	 */
	public SseStreamRejectedException(Duration retryAfter, String reason) {
		this(HttpStatus.SERVICE_UNAVAILABLE, reason, retryAfter, null);
	}

	/**
	 * @param status the answer's status
	 * @param reason why
	 * @param retryAfter what the client is told to wait before trying again, or
	 * {@code null} when trying again cannot help (400)
	 * @param cause what refused, if anything
	 */
	public SseStreamRejectedException(HttpStatus status, String reason, @Nullable Duration retryAfter,
			@Nullable Throwable cause) {
		super(status, reason, cause);
		if (retryAfter != null) {
			this.headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
		}
	}

	@Override
	public HttpHeaders getHeaders() {
		return this.headers;
	}

}
