package dev.sse.stream;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * The starter's own threads, apart from the callbacks' executor:
 * <ul>
 * <li>{@code sse-housekeeping}: one scheduler thread for keep-alives, probes, stall checks and
 * timeouts. It only decides and queues; it never writes or waits.</li>
 * <li>{@code sse-writer-*}: one thread per core drains non-blocking streams while their sockets
 * take data. A drain never blocks.</li>
 * <li>{@code sse-io-*}: work that may block on one client (a keep-alive or the end of a sync
 * stream whose callback holds the lock): a virtual thread per task on Java 21+, else a cached
 * pool. At most one such task per stream is in flight, so a stuck client holds at most one.</li>
 * </ul>
 * Internal.
 */
final class StreamExecutors {

    private final ScheduledThreadPoolExecutor scheduler;

    private final ThreadPoolExecutor writers;

    private final ExecutorService blockingIo;

    StreamExecutors() {
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("sse-housekeeping-"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.writers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("sse-writer-"));
        this.writers.allowCoreThreadTimeOut(true);
        this.blockingIo = VirtualThreads.available() ? VirtualThreads.perTask("sse-io-")
                : new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                        daemonThreads("sse-io-"));
    }

    private static ThreadFactory daemonThreads(String prefix) {
        CustomizableThreadFactory factory = new CustomizableThreadFactory(prefix);
        factory.setDaemon(true);
        return factory;
    }

    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return this.scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Duration delay) {
        return this.scheduler.scheduleWithFixedDelay(task, delay.toNanos(), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Timers waiting to fire, the housekeeping tick included.
     * @return how many
     */
    int scheduledTasks() {
        return this.scheduler.getQueue().size();
    }

    ThreadPoolExecutor writers() {
        return this.writers;
    }

    ExecutorService blockingIo() {
        return this.blockingIo;
    }

    void shutdown() {
        this.scheduler.shutdownNow();
        this.writers.shutdown();
        this.blockingIo.shutdown();
    }

}
