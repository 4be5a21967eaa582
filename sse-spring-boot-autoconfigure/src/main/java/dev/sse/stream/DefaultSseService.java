package dev.sse.stream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;

import dev.sse.SseCallback;
import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.topics.InMemorySseBroker;
import dev.sse.topics.SseBroker;
import dev.sse.wire.EncodedEvent;
import dev.sse.wire.SseEncoder;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The auto-configured {@link SseService}. Keeps the open streams, one shared scheduler for
 * keep-alives, disconnect probes and timeouts, and ends every stream when the application stops
 * (before the web server's graceful shutdown, so that never waits on a stream). Thread-safe.
 * Internal: inject {@link SseService}.
 */
public class DefaultSseService implements SseService, SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DefaultSseService.class);

    /** How often the scheduler looks for idle streams; keep-alives are due within this much. */
    private static final long TICK_MILLIS = 100;

    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);

    private final StreamSettings settings;

    private final SseEncoder encoder;

    private final DataConverter dataConverter;

    private final TaskExecutor callbackExecutor;

    private final EncodedEvent keepAliveComment;

    private final EncodedEvent probeComment;

    private final Map<String, ManagedStream> open = new ConcurrentHashMap<>();

    private final List<StreamListener> listeners = new CopyOnWriteArrayList<>();

    private final ScheduledExecutorService scheduler;

    private final Executor ioExecutor;

    private final SseBroker broker;

    private final TopicSettings topicSettings;

    /** Drains topic subscribers with non-blocking writes: a few threads serve every subscriber. */
    private final ThreadPoolExecutor topicWriters;

    private long lastPurgeNanos = System.nanoTime();

    private volatile boolean running;

    /** Set by stop(): from then on no stream opens (start() is later than the web server's, so not the reverse). */
    private volatile boolean stopped;

    /**
     * @param settings the application-wide settings
     * @param dataConverter turns data into event text
     * @param callbackExecutor runs async callbacks; its refusal becomes a 503
     */
    public DefaultSseService(StreamSettings settings, DataConverter dataConverter, TaskExecutor callbackExecutor) {
        this(settings, dataConverter, callbackExecutor, List.of(), new InMemorySseBroker(1000, Duration.ofMinutes(5)),
                new TopicSettings(16L << 20, Duration.ofSeconds(10), "sse-reset"));
    }

    /**
     * @param settings the application-wide settings
     * @param dataConverter turns data into event text
     * @param callbackExecutor runs async callbacks; its refusal becomes a 503
     * @param listeners told what happens to streams (metrics)
     * @param broker fans topic events out and keeps their history
     * @param topicSettings the settings of topic streams
     */
    public DefaultSseService(StreamSettings settings, DataConverter dataConverter, TaskExecutor callbackExecutor,
            List<StreamListener> listeners, SseBroker broker, TopicSettings topicSettings) {
        this.listeners.addAll(listeners);
        this.broker = broker;
        this.topicSettings = topicSettings;
        this.topicWriters = newTopicWriters();
        this.settings = settings;
        this.encoder = new SseEncoder(settings.chunkSize());
        this.dataConverter = dataConverter;
        this.callbackExecutor = callbackExecutor;
        this.keepAliveComment = this.encoder.comment("keep-alive");
        this.probeComment = this.encoder.comment(null);
        ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, daemonThreads("sse-scheduler-"));
        stpe.setRemoveOnCancelPolicy(true);
        this.scheduler = stpe;
        this.ioExecutor = ioExecutor();
        this.scheduler.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static CustomizableThreadFactory daemonThreads(String prefix) {
        CustomizableThreadFactory factory = new CustomizableThreadFactory(prefix);
        factory.setDaemon(true);
        return factory;
    }

    /** Keep-alive and probe writes, timeouts: blocking work the scheduler hands off. */
    private static Executor ioExecutor() {
        if (VirtualThreads.available()) {
            SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("sse-io-");
            executor.setVirtualThreads(true);
            return executor;
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("sse-io-"));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ThreadPoolExecutor newTopicWriters() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads("sse-topic-writer-"));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    @Override
    public SseEmitter stream(SseCallback callback) {
        return stream(SseOptions.defaults(), callback);
    }

    @Override
    public SseEmitter stream(SseOptions options, SseCallback callback) {
        Objects.requireNonNull(options, "options must not be null");
        Objects.requireNonNull(callback, "callback must not be null");
        HttpServletRequest request = currentRequest();
        SseOptions resolved = options.orElse(this.settings.defaults());
        SseStreamEmitter emitter = emitter(resolved, request);
        SseConnection connection = new SseConnection(this, emitter, resolved, callback, StreamRequest.of(request),
                this.settings.disconnectDetection());
        if (Boolean.TRUE.equals(resolved.getAsync())) {
            try {
                this.callbackExecutor.execute(connection::runWhenOpen);
            }
            catch (TaskRejectedException ex) {
                connection.end(CloseReason.REJECTED, false);
                for (StreamListener listener : this.listeners) {
                    listener.rejected(connection);
                }
                log.warn("Refused SSE stream {}: no thread for its async callback ({})", connection.description(),
                        ex.getMessage());
                throw new SseStreamRejectedException(this.settings.retryAfter(), ex);
            }
        }
        return pending(connection, resolved, request);
    }

    private static SseStreamEmitter emitter(SseOptions resolved, HttpServletRequest request) {
        String cors = Objects.requireNonNullElse(resolved.getCors(), "");
        return new SseStreamEmitter(CorsPolicy.headers(cors, request.getHeader("Origin")));
    }

    /** Queues the opening bytes and leaves the stream for the interceptor to open. */
    private SseEmitter pending(AbstractStream stream, SseOptions resolved, HttpServletRequest request) {
        try {
            Duration retry = resolved.getRetry();
            stream.sendOpening(this.encoder.opening((retry != null) ? retry : Duration.ZERO));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        request.setAttribute(SseStreamInterceptor.PENDING_ATTRIBUTE, stream);
        return stream.emitter;
    }

    @Override
    public String publish(String topic, @Nullable Object data) {
        return publish(topic, data, null);
    }

    @Override
    public String publish(String topic, @Nullable Object data, @Nullable String event) {
        return this.broker.publish(topic, event, this.dataConverter.toText(data)).id();
    }

    @Override
    public SseEmitter subscribe(String... topics) {
        return subscribe(SseOptions.defaults(), topics);
    }

    @Override
    public SseEmitter subscribe(SseOptions options, String... topics) {
        Objects.requireNonNull(options, "options must not be null");
        List<String> names = List.of(topics);
        if (names.isEmpty() || names.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("subscribe needs at least one topic, none empty: " + names);
        }
        HttpServletRequest request = currentRequest();
        SseOptions resolved = options.orElse(this.settings.defaults());
        TopicConnection connection = new TopicConnection(this, emitter(resolved, request), names,
                StreamRequest.of(request), resolved.getKeepAliveInterval(), resolved.getTimeout(), this.topicSettings,
                this.settings.disconnectDetection());
        return pending(connection, resolved, request);
    }

    private static HttpServletRequest currentRequest() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (!(attributes instanceof ServletRequestAttributes servletAttributes)) {
            throw new IllegalStateException("SseService.stream must be called on the request thread of a "
                    + "Spring MVC handler (no current request)");
        }
        HttpServletRequest request = servletAttributes.getRequest();
        if (request.getAttribute(SseStreamInterceptor.ACTIVE_ATTRIBUTE) == null) {
            throw new IllegalStateException("SseService.stream must be called from a Spring MVC handler whose "
                    + "mapping has the SSE interceptor (is the SSE auto-configuration active?)");
        }
        if (request.getAttribute(SseStreamInterceptor.PENDING_ATTRIBUTE) != null) {
            throw new IllegalStateException("SseService.stream was already called for this request: "
                    + "one request carries one stream");
        }
        return request;
    }

    // ---- for the connections ----

    StreamSettings settings() {
        return this.settings;
    }

    SseEncoder encoder() {
        return this.encoder;
    }

    DataConverter dataConverter() {
        return this.dataConverter;
    }

    SseBroker broker() {
        return this.broker;
    }

    TopicSettings topicSettings() {
        return this.topicSettings;
    }

    Executor topicWriters() {
        return this.topicWriters;
    }

    EncodedEvent keepAliveComment() {
        return this.keepAliveComment;
    }

    EncodedEvent probeComment() {
        return this.probeComment;
    }

    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return this.scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    void runOffScheduler(Runnable task) {
        this.ioExecutor.execute(task);
    }

    void opened(ManagedStream connection) {
        this.open.put(connection.id(), connection);
        for (StreamListener listener : this.listeners) {
            listener.opened(connection);
        }
    }

    void closed(ManagedStream connection, CloseReason reason) {
        if (this.open.get(connection.id()) == connection) {
            // Listeners first: shutdown waits for the open streams to drain, and meters must be
            // recorded before the registry closes.
            for (StreamListener listener : this.listeners) {
                listener.closed(connection, reason);
            }
            this.open.remove(connection.id(), connection);
        }
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            for (ManagedStream connection : this.open.values()) {
                connection.idleCheck(now);
            }
            if (now - this.lastPurgeNanos > TimeUnit.SECONDS.toNanos(1)) {
                this.lastPurgeNanos = now;
                this.broker.purge();
            }
        }
        catch (RuntimeException ex) {
            log.warn("SSE housekeeping failed", ex);
        }
    }

    void sent(SseStreamInfo connection, boolean event, long bytes) {
        for (StreamListener listener : this.listeners) {
            listener.sent(connection, event, bytes);
        }
    }

    void sendFailed(SseStreamInfo connection, String reason) {
        for (StreamListener listener : this.listeners) {
            listener.sendFailed(connection, reason);
        }
    }

    // ---- for operators ----

    /**
     * The number of open streams.
     * @return how many streams are open now
     */
    public int openStreams() {
        return this.open.size();
    }

    /**
     * The open streams.
     * @return a snapshot, in no particular order
     */
    public List<SseStreamInfo> streams() {
        return List.copyOf(this.open.values());
    }

    /**
     * One open stream.
     * @param id its id
     * @return the stream, or {@code null} if no open stream has that id
     */
    public @Nullable SseStreamInfo stream(String id) {
        return this.open.get(id);
    }

    /**
     * Closes an open stream (reason {@code evicted}); its callback is interrupted.
     * @param id its id
     * @return whether a stream with that id was open
     */
    public boolean evict(String id) {
        ManagedStream connection = this.open.get(id);
        if (connection == null) {
            return false;
        }
        runOffScheduler(() -> connection.end(CloseReason.EVICTED, true));
        return true;
    }

    // ---- lifecycle ----

    @Override
    public void start() {
        this.stopped = false;
        this.running = true;
    }

    /** Ends every open stream, so the web server's graceful shutdown does not wait on them. */
    @Override
    public void stop() {
        this.running = false;
        this.stopped = true;
        // A stream opening from now on ends itself (see SseConnection.open).
        List<ManagedStream> streams = List.copyOf(this.open.values());
        if (streams.isEmpty()) {
            return;
        }
        log.info("Closing {} open SSE stream(s) for shutdown", streams.size());
        for (ManagedStream connection : streams) {
            runOffScheduler(() -> connection.end(CloseReason.SHUTDOWN, true));
        }
        long deadline = System.nanoTime() + SHUTDOWN_WAIT.toNanos();
        while (!this.open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    boolean isStopped() {
        return this.stopped;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public void destroy() {
        this.scheduler.shutdownNow();
        if (this.ioExecutor instanceof ThreadPoolExecutor pool) {
            pool.shutdown();
        }
        this.topicWriters.shutdown();
    }
}
