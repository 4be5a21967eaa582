package dev.sse.stream;

/**
 * Told what happens to streams; metrics listen here. Calls come on the thread that does the
 * work (a request thread, a callback's thread, the I/O executor) and must be fast. Internal.
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
     * An async stream was refused with 503 before it opened.
     * @param stream the stream that never opened
     */
    default void rejected(SseStreamInfo stream) {
    }

    /**
     * Bytes went to a stream.
     * @param stream the stream
     * @param event whether they were an event ({@code false}: a comment, keep-alive or the opening)
     * @param bytes how many
     */
    default void sent(SseStreamInfo stream, boolean event, long bytes) {
    }

    /**
     * A send failed.
     * @param stream the stream
     * @param reason {@code client} (the write failed: the client is gone), {@code serialization}
     * (the data could not be turned into text) or {@code invalid} (an illegal name or id)
     */
    default void sendFailed(SseStreamInfo stream, String reason) {
    }
}
