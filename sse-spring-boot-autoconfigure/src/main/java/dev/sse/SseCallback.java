package dev.sse;

/**
 * The code that produces a stream's events. It receives the open {@link SseStream}; when
 * it returns, the stream ends. An exception it throws is logged once and reported to the
 * client as one final error event (see {@code sse.error.*}), then the stream ends.
 */
@FunctionalInterface
public interface SseCallback {

	/**
	 * Writes events to the stream. Runs on the request thread (sync mode) or on the
	 * {@code sseTaskExecutor} (async mode), always after the response headers and the
	 * first bytes have reached the client.
	 * @param stream the stream, open when this is called
	 * @throws Exception anything; the client gets the configured error event
	 */
	void accept(SseStream stream) throws Exception;

}
