package dev.sse.stream;

import java.time.Duration;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * Thrown by {@code SseService.stream} when an async stream cannot get a thread: Spring MVC
 * answers 503 with {@code Retry-After}, before anything is streamed.
 */
public class SseStreamRejectedException extends ResponseStatusException {

    private final HttpHeaders headers = new HttpHeaders();

    /**
     * @param retryAfter what the client is told to wait before trying again
     * @param cause the executor's refusal
     */
    public SseStreamRejectedException(Duration retryAfter, Throwable cause) {
        super(HttpStatus.SERVICE_UNAVAILABLE, "Too many open SSE streams", cause);
        this.headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
    }

    @Override
    public HttpHeaders getHeaders() {
        return this.headers;
    }
}
