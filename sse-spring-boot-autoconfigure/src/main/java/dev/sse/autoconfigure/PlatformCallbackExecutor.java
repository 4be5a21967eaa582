package dev.sse.autoconfigure;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.TaskExecutorAdapter;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * The default {@code sseTaskExecutor} on platform threads: threads kept a minute and
 * reused (starting one per stream delayed every stream's first bytes), at most
 * {@code sse.executor.max-concurrency} at once, refusing past it
 * ({@code TaskRejectedException}, a 503). Deliberately not a lifecycle bean (as Spring's
 * {@code ThreadPoolTaskExecutor} is): stopping or closing the application never waits for
 * callbacks, which the starter interrupts when their streams end; the pool is shut down,
 * interrupting any left, when the context is destroyed.
 */
final class PlatformCallbackExecutor extends TaskExecutorAdapter implements DisposableBean {

	private final ThreadPoolExecutor pool;

	PlatformCallbackExecutor(int maxThreads, TaskDecorator decorator) {
		this(newPool(maxThreads), decorator);
	}

	private PlatformCallbackExecutor(ThreadPoolExecutor pool, TaskDecorator decorator) {
		super(pool);
		this.pool = pool;
		setTaskDecorator(decorator);
	}

	private static ThreadPoolExecutor newPool(int maxThreads) {
		return new ThreadPoolExecutor(0, maxThreads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
				new CustomizableThreadFactory("sse-"), PlatformCallbackExecutor::handOverOrRefuse);
	}

	/**
	 * The pool is full: a thread whose callback just returned still counts until it is
	 * back waiting for work, so give it a moment to take the task before refusing.
	 */
	private static void handOverOrRefuse(Runnable task, ThreadPoolExecutor pool) {
		try {
			if (!pool.isShutdown() && pool.getQueue().offer(task, 100, TimeUnit.MILLISECONDS)) {
				return;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		throw new RejectedExecutionException("All " + pool.getMaximumPoolSize()
				+ " threads for async callbacks are busy (sse.executor.max-concurrency)");
	}

	int maxThreads() {
		return this.pool.getMaximumPoolSize();
	}

	@Override
	public void destroy() {
		this.pool.shutdownNow();
	}

}
