package dev.sse.stream;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sse.SseCallback;
import dev.sse.SseOptions;
import dev.sse.SseStream;
import dev.sse.wire.EncodedEvent;
import dev.sse.wire.SseEncoder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * One client's stream: owns its emitter (the wire), runs its callback, and ends exactly once.
 *
 * <p>Every write goes through the emitter's write lock, so events never interleave. The closed
 * flag is set before anything else when the stream ends, so {@link #isClosed()} turns true at
 * once; the HTTP response is then completed, and everything the stream held is released.
 */
final class SseConnection extends AbstractStream implements SseStream {

    private static final Logger log = LoggerFactory.getLogger(SseConnection.class);

    private final SseCallback callback;

    private final boolean async;

    private final long keepAliveNanos;

    private final long probeNanos;

    private final Duration timeout;

    private final @Nullable String lastEventId;

    private final CountDownLatch opened = new CountDownLatch(1);

    private final AtomicBoolean idleWriteInFlight = new AtomicBoolean();

    private final Object runnerLock = new Object();

    private volatile @Nullable CloseReason closeReason;

    private @Nullable Thread runner;

    private @Nullable HttpServletResponse syncResponse;

    SseConnection(DefaultSseService service, SseStreamEmitter emitter, SseOptions options, SseCallback callback,
            StreamRequest request, Duration disconnectDetection) {
        super(service, emitter, request);
        this.callback = callback;
        this.async = Boolean.TRUE.equals(options.getAsync());
        this.keepAliveNanos = nanos(options.getKeepAliveInterval());
        this.probeNanos = nanos(disconnectDetection) / 2;
        Duration t = options.getTimeout();
        this.timeout = (t != null) ? t : Duration.ZERO;
        this.lastEventId = request.lastEventId();
        // The container reports a connection it saw end: nothing more to complete on our side.
        emitter.onCompletion(() -> end(CloseReason.CLIENT, false));
        emitter.onError((ex) -> end(CloseReason.CLIENT, false));
        emitter.onTimeout(() -> end(CloseReason.TIMEOUT, false));
    }

    private static long nanos(@Nullable Duration duration) {
        return (duration != null) ? duration.toNanos() : 0;
    }

    // ---- SseStream ----

    @Override
    public boolean send(@Nullable Object data) {
        return send(data, null, null);
    }

    @Override
    public boolean send(@Nullable Object data, @Nullable String event) {
        return send(data, event, null);
    }

    @Override
    public boolean send(@Nullable Object data, @Nullable String event, @Nullable Object id) {
        String idText = (id != null) ? id.toString() : null;
        try {
            SseEncoder.checkEventName(event);
            SseEncoder.checkId(idText);
        }
        catch (IllegalArgumentException ex) {
            this.service.sendFailed(this, "invalid");
            throw ex;
        }
        if (this.closed.get()) {
            return false;
        }
        String text;
        try {
            text = this.service.dataConverter().toText(data);
        }
        catch (IllegalArgumentException ex) {
            this.service.sendFailed(this, "serialization");
            throw ex;
        }
        return write(this.service.encoder().event(event, idText, text));
    }

    @Override
    public boolean comment(@Nullable String text) {
        if (this.closed.get()) {
            return false;
        }
        return write(this.service.encoder().comment(text));
    }

    @Override
    public void close() {
        end(CloseReason.COMPLETED, true);
    }

    @Override
    public boolean isClosed() {
        return this.closed.get();
    }

    @Override
    public @Nullable String lastEventId() {
        return this.lastEventId;
    }

    // ---- the wire ----

    /** Writes one encoded event atomically; a failed write means the client is gone. */
    boolean write(EncodedEvent encoded) {
        if (this.closed.get()) {
            return false;
        }
        try {
            this.emitter.send(encoded);
        }
        catch (IOException | IllegalStateException ex) {
            // IllegalStateException: the emitter completed under us (closed from another thread).
            if (!this.closed.get()) {
                log.debug("SSE client of {} went away: {}", description(), ex.toString());
                this.service.sendFailed(this, "client");
            }
            end(CloseReason.CLIENT, true);
            return false;
        }
        written(encoded);
        return true;
    }

    /**
     * Called by the scheduler on every tick: sends a keep-alive comment, or the empty probe that
     * lets a vanished client be noticed, once the stream has been idle long enough. The write runs
     * on the I/O executor so a stuck client never blocks the scheduler.
     */
    @Override
    public void idleCheck(long now) {
        if (!this.started || this.closed.get()) {
            return;
        }
        long idle = now - this.lastWriteNanos;
        EncodedEvent comment;
        if (this.keepAliveNanos > 0 && idle >= this.keepAliveNanos) {
            comment = this.service.keepAliveComment();
        }
        else if (this.probeNanos > 0 && idle >= this.probeNanos) {
            comment = this.service.probeComment();
        }
        else {
            return;
        }
        if (this.idleWriteInFlight.compareAndSet(false, true)) {
            this.service.runOffScheduler(() -> {
                try {
                    write(comment);
                }
                finally {
                    this.idleWriteInFlight.set(false);
                }
            });
        }
    }

    // ---- life ----

    /**
     * The handler has returned and Spring has flushed the headers and first bytes: the stream is
     * open. Runs on the request thread; a sync callback runs right here.
     */
    @Override
    public void open(HttpServletRequest request, HttpServletResponse response) {
        if (!markOpen()) {
            return;
        }
        scheduleTimeout(this.timeout);
        if (this.async) {
            this.opened.countDown();
        }
        else {
            runCallback(response);
        }
    }

    /** The request ended without the stream opening (the handler failed after calling stream()). */
    @Override
    public void abandon() {
        if (!this.started) {
            end(CloseReason.REJECTED, false);
        }
    }

    /** The async task: waits for the stream to open, then runs the callback on this thread. */
    void runWhenOpen() {
        try {
            this.opened.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return;
        }
        if (this.started && !this.closed.get()) {
            runCallback(null);
        }
    }

    private void runCallback(@Nullable HttpServletResponse response) {
        synchronized (this.runnerLock) {
            if (this.closed.get()) {
                return;
            }
            this.runner = Thread.currentThread();
            this.syncResponse = response;
        }
        try {
            this.callback.accept(this);
            end(CloseReason.COMPLETED, true);
        }
        catch (Throwable ex) {
            failed(ex);
        }
        finally {
            synchronized (this.runnerLock) {
                this.runner = null;
                this.syncResponse = null;
            }
            // An interrupt meant for the callback (timeout, shutdown) must not leak into the thread's next task.
            Thread.interrupted();
        }
    }

    private void failed(Throwable ex) {
        if (this.closed.get() && isInterruption(ex)) {
            log.debug("SSE callback of {} stopped after the stream {}: {}", description(),
                    describe(this.closeReason), ex.toString());
            return;
        }
        log.error("SSE callback of {} failed", description(), ex);
        if (!this.closed.get()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "Internal Server Error");
            if (this.service.settings().includeErrorMessage() && ex.getMessage() != null) {
                body.put("message", ex.getMessage());
            }
            try {
                write(this.service.encoder().event(this.service.settings().errorEventName(), null,
                        this.service.dataConverter().toText(body)));
            }
            catch (RuntimeException reportFailure) {
                log.debug("Could not send the error event of SSE stream {}: {}", description(),
                        reportFailure.toString());
            }
        }
        end(CloseReason.ERROR, true);
    }

    private static boolean isInterruption(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException) {
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }

    private static String describe(@Nullable CloseReason reason) {
        return (reason != null) ? "ended (" + reason.tag() + ")" : "ended";
    }

    /**
     * Ends the stream once: marks it closed, releases what it holds, interrupts the callback on a
     * timeout or shutdown, and (unless the container already has) completes the HTTP response.
     */
    @Override
    public void end(CloseReason reason, boolean completeResponse) {
        if (!this.closed.compareAndSet(false, true)) {
            return;
        }
        this.closeReason = reason;
        cancelTimeout();
        this.opened.countDown();
        if (reason == CloseReason.TIMEOUT || reason == CloseReason.SHUTDOWN || reason == CloseReason.EVICTED) {
            synchronized (this.runnerLock) {
                if (this.runner != null && this.runner != Thread.currentThread()) {
                    this.runner.interrupt();
                }
            }
        }
        if (completeResponse) {
            completeResponse();
        }
        this.service.closed(this, reason);
        log.debug("SSE stream {} {}", description(), describe(reason));
    }

    private void completeResponse() {
        try {
            this.emitter.complete();
        }
        catch (RuntimeException ex) {
            log.debug("Completing SSE stream {} failed: {}", description(), ex.toString());
        }
        // A sync callback still holds the request thread, so the container cannot finish the
        // response yet: end the body now, so the client sees the stream end at once.
        synchronized (this.runnerLock) {
            if (this.syncResponse != null) {
                this.emitter.lock().lock();
                try {
                    this.syncResponse.getOutputStream().close();
                }
                catch (IOException | RuntimeException ex) {
                    log.debug("Closing the body of SSE stream {} failed: {}", description(), ex.toString());
                }
                finally {
                    this.emitter.lock().unlock();
                }
            }
        }
    }

    // ---- SseStreamInfo ----

    @Override
    public String mode() {
        return this.async ? "async" : "sync";
    }

    @Override
    public List<String> topics() {
        return List.of();
    }
}
