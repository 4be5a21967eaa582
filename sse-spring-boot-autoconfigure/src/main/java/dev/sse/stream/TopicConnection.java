package dev.sse.stream;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.sse.topics.BrokerEvent;
import dev.sse.topics.SseBroker;
import dev.sse.wire.EncodedEvent;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber of topics, written with Servlet non-blocking I/O: events the broker hands over
 * are queued (shared, encoded once) and drained by a small writer pool only while the socket takes
 * them. A client that stops reading therefore holds no thread and no lock: its backlog grows until
 * it passes {@code sse.topics.buffer-size}, or nothing could be written for
 * {@code sse.topics.stall-timeout}; then it is evicted and its connection completed.
 */
final class TopicConnection extends AbstractStream implements SseBroker.Subscriber, WriteListener {

    private static final Logger log = LoggerFactory.getLogger(TopicConnection.class);

    private final List<String> topics;

    private final long keepAliveNanos;

    private final long probeNanos;

    private final Duration timeout;

    private final long maxBacklogBytes;

    private final long stallNanos;

    private final AtomicBoolean evicting = new AtomicBoolean();

    private final Queue<EncodedEvent> backlog = new ConcurrentLinkedQueue<>();

    private final AtomicLong backlogBytes = new AtomicLong();

    /** Work in progress: signals since the drain loop last looked; the loop runs while it is non-zero. */
    private final AtomicInteger wip = new AtomicInteger();

    private volatile boolean writable;

    /** When the socket last stopped taking data and still has not; 0 while it takes data. */
    private volatile long blockedSinceNanos;

    private volatile SseBroker.@Nullable Subscription subscription;

    /**
     * Guards the container's objects. Tomcat recycles the async context and output stream once the
     * request completes, so both are dropped, under this lock, as soon as the container reports the
     * request done, and never touched after that. Writes are non-blocking: held for microseconds.
     */
    private final ReentrantLock wireLock = new ReentrantLock();

    private @Nullable AsyncContext asyncContext;

    private @Nullable ServletOutputStream out;

    /** The event being written and the next piece of it, when the socket stopped taking data mid-event. */
    private @Nullable EncodedEvent current;

    private int currentPiece;

    TopicConnection(DefaultSseService service, SseStreamEmitter emitter, List<String> topics, StreamRequest request,
            @Nullable Duration keepAlive, @Nullable Duration timeout, TopicSettings settings,
            Duration disconnectDetection) {
        super(service, emitter, request);
        this.topics = List.copyOf(topics);
        this.keepAliveNanos = (keepAlive != null) ? keepAlive.toNanos() : 0;
        this.probeNanos = disconnectDetection.toNanos() / 2;
        this.timeout = (timeout != null) ? timeout : Duration.ZERO;
        this.maxBacklogBytes = settings.bufferSize();
        this.stallNanos = settings.stallTimeout().toNanos();
        // The container finished the request: release its objects before it recycles them.
        emitter.onCompletion(() -> {
            release();
            end(CloseReason.CLIENT, false);
        });
        emitter.onError((ex) -> {
            release();
            end(CloseReason.CLIENT, false);
        });
    }

    // ---- life ----

    @Override
    public void open(HttpServletRequest request, HttpServletResponse response) {
        this.wireLock.lock();
        try {
            // Known before the stream registers, so an end() from any thread can complete the request.
            this.asyncContext = request.getAsyncContext();
        }
        finally {
            this.wireLock.unlock();
        }
        if (!markOpen()) {
            return;
        }
        boolean failed = false;
        this.wireLock.lock();
        try {
            if (this.closed.get()) {
                // Ended (shutdown, eviction) since registering: end() completed the request; never subscribe.
                return;
            }
            // Subscribe first: replayed events queue up and go out with the first onWritePossible.
            this.subscription = this.service.broker().subscribe(this.topics, this.request.lastEventId(), this);
            ServletOutputStream stream = response.getOutputStream();
            this.out = stream;
            stream.setWriteListener(this);
        }
        catch (IOException | RuntimeException ex) {
            log.warn("Could not open topic stream {}: {}", this.request.description(), ex.toString());
            failed = true;
        }
        finally {
            this.wireLock.unlock();
        }
        if (failed) {
            end(CloseReason.ERROR, true);
            return;
        }
        scheduleTimeout(this.timeout);
    }

    @Override
    public void abandon() {
        if (!this.started) {
            end(CloseReason.REJECTED, false);
        }
    }

    @Override
    public void end(CloseReason reason, boolean completeResponse) {
        if (!this.closed.compareAndSet(false, true)) {
            return;
        }
        SseBroker.@Nullable Subscription s = this.subscription;
        if (s != null) {
            s.close();
        }
        cancelTimeout();
        this.backlog.clear();
        this.backlogBytes.set(0);
        if (completeResponse) {
            this.wireLock.lock();
            try {
                AsyncContext context = this.asyncContext;
                if (context != null) {
                    context.complete();
                }
                else if (!this.started) {
                    this.emitter.complete();
                }
            }
            catch (RuntimeException ex) {
                log.debug("Completing topic stream {} failed: {}", this.request.description(), ex.toString());
            }
            finally {
                this.asyncContext = null;
                this.out = null;
                this.wireLock.unlock();
            }
        }
        this.service.closed(this, reason);
        log.debug("SSE topic stream {} ended ({})", this.request.description(), reason.tag());
    }

    // ---- from the broker: never blocks ----

    @Override
    public void event(BrokerEvent event) {
        enqueue(event.encoded(this.service.encoder()));
    }

    @Override
    public void reset() {
        enqueue(this.service.encoder().event(this.service.topicSettings().resetEvent(), null,
                this.service.dataConverter().toText(Map.of("reset", true))));
    }

    private void enqueue(EncodedEvent encoded) {
        if (this.closed.get()) {
            return;
        }
        this.backlog.add(encoded);
        if (this.backlogBytes.addAndGet(encoded.length()) > this.maxBacklogBytes) {
            evict("its backlog passed sse.topics.buffer-size (" + this.maxBacklogBytes + " bytes)");
            return;
        }
        signal();
    }

    /** Once: the client reconnects and replays from history. */
    private void evict(String why) {
        if (this.evicting.compareAndSet(false, true)) {
            log.info("Evicting SSE topic stream {}: {}", this.request.description(), why);
            this.service.runOffScheduler(() -> end(CloseReason.EVICTED, true));
        }
    }

    /** The container is done with the request: never touch its objects again. */
    private void release() {
        this.wireLock.lock();
        try {
            this.asyncContext = null;
            this.out = null;
        }
        finally {
            this.wireLock.unlock();
        }
    }

    private void signal() {
        if (this.writable && this.wip.getAndIncrement() == 0) {
            this.service.topicWriters().execute(this::drainLoop);
        }
    }

    // ---- the wire: non-blocking ----

    @Override
    public void onWritePossible() {
        this.blockedSinceNanos = 0;
        this.writable = true;
        if (this.wip.getAndIncrement() == 0) {
            drainLoop();
        }
    }

    @Override
    public void onError(Throwable failure) {
        if (!this.closed.get()) {
            log.debug("SSE client of topic stream {} went away: {}", this.request.description(), failure.toString());
            this.service.sendFailed(this, "client");
        }
        end(CloseReason.CLIENT, true);
    }

    private void drainLoop() {
        int missed = 1;
        do {
            drain();
            missed = this.wip.addAndGet(-missed);
        }
        while (missed != 0);
    }

    /** Writes queued events while the socket takes them; one drain at a time (see wip). */
    private void drain() {
        boolean failed = false;
        this.wireLock.lock();
        try {
            ServletOutputStream stream = this.out;
            if (stream == null || this.closed.get()) {
                return;
            }
            failed = !drain(stream);
        }
        finally {
            this.wireLock.unlock();
        }
        if (failed) {
            onError(new IOException("write failed"));
        }
    }

    /** Under the wire lock; false when a write failed. */
    private boolean drain(ServletOutputStream stream) {
        boolean wrote = false;
        try {
            while (true) {
                if (this.current == null) {
                    this.current = this.backlog.poll();
                    this.currentPiece = 0;
                    if (this.current == null) {
                        break;
                    }
                }
                EncodedEvent event = this.current;
                List<byte[]> pieces = event.pieces();
                while (this.currentPiece < pieces.size()) {
                    if (!stream.isReady()) {
                        blocked();
                        return true;
                    }
                    stream.write(pieces.get(this.currentPiece++));
                    wrote = true;
                }
                this.current = null;
                this.backlogBytes.addAndGet(-event.length());
                written(event);
            }
            if (wrote) {
                if (!stream.isReady()) {
                    blocked();
                    return true;
                }
                stream.flush();
            }
            this.blockedSinceNanos = 0;
            return true;
        }
        catch (IOException | RuntimeException ex) {
            log.debug("Write to topic stream {} failed: {}", this.request.description(), ex.toString());
            return false;
        }
    }

    private void blocked() {
        if (this.blockedSinceNanos == 0) {
            this.blockedSinceNanos = System.nanoTime();
        }
    }

    /** From the scheduler tick: evicts a stalled client, and queues keep-alives and probes on idle streams. */
    @Override
    public void idleCheck(long now) {
        if (!this.started || this.closed.get()) {
            return;
        }
        long blockedSince = this.blockedSinceNanos;
        if (blockedSince != 0) {
            if (now - blockedSince > this.stallNanos) {
                evict("nothing could be written for " + (now - blockedSince) / 1_000_000
                        + " ms (sse.topics.stall-timeout)");
            }
            return;
        }
        // Runs for every subscriber on every tick: decide on the write clock alone before touching the queue.
        long idle = now - this.lastWriteNanos;
        boolean keepAliveDue = this.keepAliveNanos > 0 && idle >= this.keepAliveNanos;
        boolean probeDue = this.probeNanos > 0 && idle >= this.probeNanos;
        if ((keepAliveDue || probeDue) && this.backlog.isEmpty()) {
            enqueue(keepAliveDue ? this.service.keepAliveComment() : this.service.probeComment());
        }
    }

    // ---- SseStreamInfo ----

    @Override
    public String mode() {
        return "topic";
    }

    @Override
    public List<String> topics() {
        return this.topics;
    }
}
