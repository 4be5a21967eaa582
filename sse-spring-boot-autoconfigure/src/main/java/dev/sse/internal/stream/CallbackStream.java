package dev.sse.internal.stream;

import dev.sse.spi.CloseReason;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamMode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sse.SseCallback;
import dev.sse.SseOptions;
import dev.sse.SseStream;
import dev.sse.internal.wire.EncodedEvent;
import dev.sse.internal.wire.SseEncoder;
import dev.sse.spi.SendFailure;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.task.TaskExecutor;

/**
 * A stream fed by a callback: the {@link SseStream} the callback gets. Sync callbacks run
 * on the request thread and write with blocking I/O; async ones run on the
 * {@code sseTaskExecutor} and queue their events for the non-blocking writer, waiting for
 * room when the client falls behind.
 *
 * <p>
 * An end from any other thread (timeout, shutdown, an operator, the client leaving,
 * another thread's {@code close()}) interrupts the callback's thread, so a callback
 * blocked on a quiet source wakes up; the interrupt is cleared before the thread is
 * reused. Internal.
 */
final class CallbackStream extends AbstractStream implements SseStream {

	private static final Logger log = LoggerFactory.getLogger(CallbackStream.class);

	/** A queued async task gives up on a stream that has not opened by then. */
	private static final Duration OPEN_WAIT = Duration.ofMinutes(1);

	private final SseCallback callback;

	private final boolean async;

	private final @Nullable String lastEventId;

	private final CountDownLatch openSignal = new CountDownLatch(1);

	/**
	 * The handler's thread: an executor that runs the task on it (caller-runs) must not
	 * wait for the open.
	 */
	private final Thread creator = Thread.currentThread();

	private final List<Runnable> closeHooks = new CopyOnWriteArrayList<>();

	private final Object runnerLock = new Object();

	private volatile boolean runOnOpen;

	private @Nullable Thread runner;

	CallbackStream(StreamContext context, SseStreamEmitter emitter, StreamRequest request, SseOptions options,
			SseCallback callback) {
		super(context, emitter, request, options);
		this.callback = callback;
		this.async = Boolean.TRUE.equals(options.getAsync());
		this.lastEventId = request.lastEventId();
		this.runOnOpen = !this.async;
	}

	/**
	 * Hands the callback to the executor, before the handler returns, so a refusal can
	 * still be a 503.
	 * @param executor the async callbacks' executor
	 * @throws org.springframework.core.task.TaskRejectedException when it refuses
	 */
	void submitTo(TaskExecutor executor) {
		executor.execute(this::runWhenOpen);
	}

	/**
	 * Whether its callback runs on the request thread: sync mode, or an executor that ran
	 * the task on the caller.
	 */
	boolean runsOnRequestThread() {
		return this.runOnOpen;
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
			context().registry().sendFailed(this, SendFailure.INVALID);
			throw ex;
		}
		if (isClosed()) {
			return false;
		}
		String text;
		try {
			text = context().dataConverter().toText(data);
		}
		catch (IllegalArgumentException ex) {
			context().registry().sendFailed(this, SendFailure.SERIALIZATION);
			throw ex;
		}
		return deliver(context().encoder().event(event, idText, text));
	}

	@Override
	public boolean comment(@Nullable String text) {
		if (isClosed()) {
			return false;
		}
		return deliver(context().encoder().comment(text));
	}

	@Override
	public void close() {
		end(CloseReason.COMPLETED);
	}

	@Override
	public @Nullable String lastEventId() {
		return this.lastEventId;
	}

	@Override
	public void onClose(Runnable action) {
		this.closeHooks.add(action);
		if (isClosed() && this.closeHooks.remove(action)) {
			runHook(action);
		}
	}

	/**
	 * Writes, waiting for room in an async stream's queue at most
	 * {@code sse.slow-client.send-timeout}.
	 */
	@Override
	boolean deliver(EncodedEvent encoded) {
		StreamWriter w = writer();
		if (isClosed() || w == null) {
			return false;
		}
		if (w instanceof NonBlockingWriter queue && !awaitRoom(queue)) {
			return false;
		}
		return !isClosed() && w.write(encoded);
	}

	private boolean awaitRoom(NonBlockingWriter queue) {
		StreamSettings settings = context().settings();
		try {
			if (queue.awaitRoom(settings.bufferSize(), settings.sendTimeout().toNanos())) {
				return true;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			// Our own interrupt comes with the end; anyone else's lets the event through,
			// over the bound.
			return !isClosed();
		}
		log.info("Cutting off SSE stream {}: a send waited {} for room in its buffer (sse.slow-client.send-timeout)",
				description(), settings.sendTimeout());
		end(CloseReason.SLOW_CLIENT);
		return false;
	}

	// ---- life ----

	@Override
	StreamWriter writerForOpen() {
		StreamExecutors executors = context().executors();
		// A callback on the request thread holds the container's dispatch, so only
		// blocking writes progress.
		return this.runOnOpen ? new BlockingWriter(this, executors.blockingIo())
				: new NonBlockingWriter(this, executors.writers());
	}

	@Override
	void opened() {
		if (this.runOnOpen) {
			runCallback();
		}
		else {
			this.openSignal.countDown();
		}
	}

	/**
	 * The async task: waits for the stream to open, then runs the callback on this
	 * thread.
	 */
	private void runWhenOpen() {
		if (Thread.currentThread() == this.creator && !isStarted()) {
			// The executor runs tasks on the caller (SyncTaskExecutor, CallerRunsPolicy):
			// the open
			// can only happen on this thread after the handler returns, so run the
			// callback then.
			this.runOnOpen = true;
			return;
		}
		try {
			if (!this.openSignal.await(OPEN_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
				log.warn("SSE stream {} did not open within {}; its callback does not run", description(), OPEN_WAIT);
				end(CloseReason.ERROR);
				return;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return;
		}
		if (isStarted() && !isClosed()) {
			runCallback();
		}
	}

	private void runCallback() {
		boolean endedBeforeStart;
		synchronized (this.runnerLock) {
			endedBeforeStart = isClosed();
			if (!endedBeforeStart) {
				this.runner = Thread.currentThread();
			}
		}
		if (endedBeforeStart) {
			// Ended between its opening and now (evicted, shut down, completed): the
			// callback does not run, and the request is completed as it leaves the
			// dispatch all the same.
			leaveDispatch();
			return;
		}
		boolean onExecutor = !this.runOnOpen;
		context().registry().callbackStarted(onExecutor);
		try {
			this.callback.accept(this);
			end(CloseReason.COMPLETED);
		}
		catch (Throwable ex) {
			callbackFailed(ex);
		}
		finally {
			context().registry().callbackEnded(onExecutor);
			leaveDispatch();
			synchronized (this.runnerLock) {
				this.runner = null;
				// An interrupt meant for the callback must not leak into the thread's
				// next task.
				Thread.interrupted();
			}
		}
	}

	private void leaveDispatch() {
		if (writer() instanceof BlockingWriter blocking) {
			blocking.leaveDispatch();
		}
	}

	private void callbackFailed(Throwable ex) {
		if (isClosed() && isInterruption(ex)) {
			CloseReason reason = closeReason();
			log.debug("SSE callback of {} stopped after the stream ended ({}): {}", description(),
					(reason != null) ? reason.tag() : "?", ex.toString());
			return;
		}
		log.error("SSE callback of {} failed", description(), ex);
		if (!isClosed()) {
			String message = context().settings().includeErrorMessage() ? ex.getMessage() : null;
			try {
				deliver(context().encoder().error(context().settings().errorEventName(), message));
			}
			catch (RuntimeException reportFailure) {
				log.debug("Could not send the error event of SSE stream {}: {}", description(),
						reportFailure.toString());
			}
		}
		end(CloseReason.ERROR);
	}

	private static boolean isInterruption(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException) {
				return true;
			}
		}
		return Thread.currentThread().isInterrupted();
	}

	@Override
	void ending(CloseReason reason) {
		this.openSignal.countDown();
		synchronized (this.runnerLock) {
			Thread thread = this.runner;
			if (thread != null && thread != Thread.currentThread()) {
				thread.interrupt();
			}
		}
		for (Runnable hook : this.closeHooks) {
			if (this.closeHooks.remove(hook)) {
				runHook(hook);
			}
		}
	}

	private void runHook(Runnable hook) {
		try {
			hook.run();
		}
		catch (Throwable ex) {
			log.warn("An onClose action of SSE stream {} failed", description(), ex);
		}
	}

	// ---- SseStreamInfo ----

	@Override
	public StreamMode mode() {
		return this.async ? StreamMode.ASYNC : StreamMode.SYNC;
	}

	@Override
	public List<String> topics() {
		return List.of();
	}

}
