package dev.sse.spi;

/**
 * Told what happens to streams: an SPI, and how the meters learn of them. Define a bean
 * of this type to be told too. Calls come on the thread that does the work (a request
 * thread, a callback's thread, a writer thread) and must be fast; a listener that throws
 * is logged and skipped, never keeping a stream open or another listener uninformed.
 */
public interface StreamListener {

	/**
	 * A stream opened: its headers and first bytes have gone out.
	 * @param stream the stream
	 */
	default void opened(SseStreamInfo stream) {
	}

	/**
	 * A stream ended.
	 * @param stream the stream
	 * @param reason why
	 */
	default void closed(SseStreamInfo stream, CloseReason reason) {
	}

	/**
	 * A stream was refused before it opened (503 or 429): it is not counted as closed.
	 * @param stream the stream that never opened
	 * @param reason why (its {@link RejectReason#tag() tag} is the meter's
	 * {@code reason})
	 */
	default void rejected(SseStreamInfo stream, RejectReason reason) {
	}

	/**
	 * Bytes went to a stream.
	 * @param stream the stream
	 * @param event whether they were an event ({@code false}: a comment, keep-alive or
	 * the opening)
	 * @param bytes how many
	 */
	default void sent(SseStreamInfo stream, boolean event, long bytes) {
	}

	/**
	 * A send failed.
	 * @param stream the stream
	 * @param reason why (its {@link SendFailure#tag() tag} is the meter's {@code reason})
	 */
	default void sendFailed(SseStreamInfo stream, SendFailure reason) {
	}

}
