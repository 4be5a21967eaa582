package dev.sse.stream;

/** An open stream the service keeps: callback or topic. Internal. */
interface ManagedStream extends SseStreamInfo {

    /** Called on every scheduler tick; never blocks. */
    void idleCheck(long now);

    /** Ends the stream once; may block behind a write, so the scheduler calls it off its thread. */
    void end(CloseReason reason, boolean completeResponse);
}
