package dev.sse.stream;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import dev.sse.wire.EncodedEvent;
import org.jspecify.annotations.Nullable;

/**
 * What every stream keeps, whatever feeds it: its request, its emitter, the closed flag, what it
 * sent, when it opened and its timeout. Internal.
 */
abstract class AbstractStream implements ManagedStream, PendingStream {

    protected final DefaultSseService service;

    protected final SseStreamEmitter emitter;

    protected final StreamRequest request;

    protected final AtomicBoolean closed = new AtomicBoolean();

    protected volatile boolean started;

    protected volatile long lastWriteNanos = System.nanoTime();

    private volatile Instant openedAt = Instant.now();

    private final LongAdder eventsSent = new LongAdder();

    private final LongAdder bytesSent = new LongAdder();

    private volatile @Nullable String lastSentId;

    private long openingLength;

    private volatile @Nullable ScheduledFuture<?> timeoutTask;

    AbstractStream(DefaultSseService service, SseStreamEmitter emitter, StreamRequest request) {
        this.service = service;
        this.emitter = emitter;
        this.request = request;
    }

    /** Hands the first bytes to the emitter; Spring writes and flushes them when it initialises it. */
    final void sendOpening(EncodedEvent opening) throws IOException {
        this.emitter.send(opening);
        this.openingLength = opening.length();
        this.bytesSent.add(opening.length());
    }

    /**
     * The first steps of opening: registered with the service before the shutdown check, so a
     * shutdown either sees this stream or is seen by it.
     * @return {@code false} when the stream already ended, or the application is shutting down and
     * the stream was ended now
     */
    protected final boolean markOpen() {
        if (this.closed.get()) {
            return false;
        }
        this.started = true;
        this.openedAt = Instant.now();
        this.lastWriteNanos = System.nanoTime();
        this.service.opened(this);
        if (this.service.isStopped()) {
            end(CloseReason.SHUTDOWN, true);
            return false;
        }
        this.service.sent(this, false, this.openingLength);
        return true;
    }

    protected final void scheduleTimeout(Duration timeout) {
        if (!timeout.isZero()) {
            this.timeoutTask = this.service.schedule(
                    () -> this.service.runOffScheduler(() -> end(CloseReason.TIMEOUT, true)), timeout);
        }
    }

    protected final void cancelTimeout() {
        ScheduledFuture<?> task = this.timeoutTask;
        if (task != null) {
            task.cancel(false);
        }
    }

    /** Counts bytes that reached the wire. */
    protected final void written(EncodedEvent encoded) {
        this.lastWriteNanos = System.nanoTime();
        if (encoded.isEvent()) {
            this.eventsSent.increment();
            if (encoded.id() != null) {
                this.lastSentId = encoded.id();
            }
        }
        this.bytesSent.add(encoded.length());
        this.service.sent(this, encoded.isEvent(), encoded.length());
    }

    @Override
    public boolean isStarted() {
        return this.started;
    }

    String description() {
        return this.request.description();
    }

    @Override
    public String id() {
        return this.request.id();
    }

    @Override
    public String route() {
        return this.request.route();
    }

    @Override
    public String remoteAddress() {
        return this.request.remoteAddress();
    }

    @Override
    public Instant openedAt() {
        return this.openedAt;
    }

    @Override
    public long eventsSent() {
        return this.eventsSent.sum();
    }

    @Override
    public long bytesSent() {
        return this.bytesSent.sum();
    }

    @Override
    public @Nullable String lastSentEventId() {
        return this.lastSentId;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + this.request.description() + (this.closed.get() ? ", closed]" : "]");
    }
}
