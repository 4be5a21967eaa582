package dev.sse.stream;

/**
 * Why a stream ended. Internal.
 */
public enum CloseReason {

    /** The callback returned or called {@code close()}. */
    COMPLETED,

    /** The client went away: a write failed or the container reported the connection gone. */
    CLIENT,

    /** The stream's timeout expired. */
    TIMEOUT,

    /** The callback threw. */
    ERROR,

    /** The stream was closed by an operator or for falling behind. */
    EVICTED,

    /** The application shut down. */
    SHUTDOWN,

    /** The stream never opened: refused, or the request failed before the handler returned. */
    REJECTED;

    /**
     * The lower-case name, as used in logs and metric tags.
     * @return the tag value
     */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
