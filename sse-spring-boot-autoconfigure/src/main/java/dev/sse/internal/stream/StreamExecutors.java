package dev.sse.internal.stream;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * The starter's own threads, apart from the callbacks' executor:
 * <ul>
 * <li>housekeeping: one scheduler thread for keep-alives, probes, stall checks and
 * timeouts. It only decides and queues; it never writes or waits.</li>
 * <li>writers: one thread per core drains non-blocking streams while their sockets take
 * data. A drain never blocks.</li>
 * <li>blocking I/O: work that may block on one client (a keep-alive of a sync stream, or
 * its end while its callback holds the lock): a virtual thread per task on Java 21+, else
 * a cached pool. At most one such task per stream is in flight, so a stuck client holds
 * at most one.</li>
 * </ul>
 * The auto-configuration makes them Spring beans (so Spring Boot's executor metrics see
 * them) and shuts them down. Internal.
 */
public final class StreamExecutors {

	private final ScheduledExecutorService scheduler;

	private final Executor writers;

	private final Executor blockingIo;

	private StreamExecutors(ScheduledExecutorService scheduler, Executor writers, Executor blockingIo) {
		this.scheduler = scheduler;
		this.writers = writers;
		this.blockingIo = blockingIo;
	}

	/**
	 * Threads owned by the caller (Spring beans), not shut down by the service.
	 * @param scheduler the housekeeping scheduler, one thread
	 * @param writers the writer threads, about one per core
	 * @param blockingIo the executor of work that may block on one client; must not queue
	 * @return the executors
	 */
	public static StreamExecutors of(ScheduledExecutorService scheduler, Executor writers, Executor blockingIo) {
		return new StreamExecutors(scheduler, writers, blockingIo);
	}

	/** Thread name prefix of the housekeeping scheduler. */
	public static final String HOUSEKEEPING_PREFIX = "sse-housekeeping-";

	/** Thread name prefix of the writers. */
	public static final String WRITER_PREFIX = "sse-writer-";

	/** Thread name prefix of the blocking-I/O threads. */
	public static final String BLOCKING_IO_PREFIX = "sse-io-";

	/**
	 * The writers' pool: one thread per core (at least two), daemon, idle threads time
	 * out.
	 * @return a new pool
	 */
	public static ThreadPoolExecutor writerPool() {
		ThreadPoolExecutor writers = new ThreadPoolExecutor(writerThreads(), writerThreads(), 30, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), daemonThreads(WRITER_PREFIX));
		writers.allowCoreThreadTimeOut(true);
		return writers;
	}

	/**
	 * How many writer threads: one per core, at least two.
	 * @return the count
	 */
	public static int writerThreads() {
		return Math.max(2, Runtime.getRuntime().availableProcessors());
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
	 * Timers waiting to fire, the housekeeping tick included (for tests).
	 * @return how many, or -1 when the scheduler does not tell
	 */
	int scheduledTasks() {
		return (this.scheduler instanceof ScheduledThreadPoolExecutor pool) ? pool.getQueue().size() : -1;
	}

	Executor writers() {
		return this.writers;
	}

	Executor blockingIo() {
		return this.blockingIo;
	}

}
