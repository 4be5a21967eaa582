package dev.sse.internal.stream;

import java.time.Duration;

import dev.sse.SseOptions;

/**
 * The application-wide settings of the SSE service, resolved from {@code sse.*}.
 * Internal.
 *
 * @param defaults the options a stream falls back to; every option is set
 * @param chunkSize the largest piece an event goes to the socket in, in bytes
 * @param disconnectDetection the longest a vanished client of an idle stream goes
 * unnoticed; zero disables the probes
 * @param errorEventName the name of the event sent when the callback throws
 * @param includeErrorMessage whether that event carries the exception's message
 * @param retryAfter what a refused stream's client is told to wait
 * @param bufferSize the most bytes queued for an async callback stream before
 * {@code send} waits
 * @param sendTimeout the longest {@code send} waits for room before the stream is cut off
 * @param stallTimeout the longest a stream's socket may take nothing before it is cut off
 * @param shutdownRetry the reconnection delay clients are told when the application
 * stops; zero tells none
 */
public record StreamSettings(SseOptions defaults, int chunkSize, Duration disconnectDetection, String errorEventName,
		boolean includeErrorMessage, Duration retryAfter, long bufferSize, Duration sendTimeout, Duration stallTimeout,
		Duration shutdownRetry) {
}
