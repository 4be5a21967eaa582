package dev.sse.stream;

/**
 * Told when streams open and end; metrics and the Actuator endpoint listen here. Internal.
 */
public interface StreamListener {

    /**
     * A stream opened: its headers and first bytes have gone out.
     * @param stream the stream
     */
    default void opened(Object stream) {
    }

    /**
     * A stream ended.
     * @param stream the stream
     * @param reason why
     */
    default void closed(Object stream, CloseReason reason) {
    }

    /**
     * An async stream was refused with 503 before it opened.
     * @param stream the stream that never opened
     */
    default void rejected(Object stream) {
    }
}
