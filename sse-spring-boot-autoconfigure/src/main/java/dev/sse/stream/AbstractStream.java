package dev.sse.stream;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import dev.sse.SseOptions;
import dev.sse.wire.EncodedEvent;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every stream shares, whatever feeds it: its life (open once, end once, from any
 * thread, at any moment, including while it opens), its heartbeat (keep-alives,
 * disconnect probes, the stall clock, the timeout), what it sent, and the emitter's
 * container callbacks. The bytes go through its {@link StreamWriter}. Internal.
 */
abstract class AbstractStream implements SseStreamInfo, StreamWriter.Owner {

	private static final Logger log = LoggerFactory.getLogger(AbstractStream.class);

	/** How long a stream ended by shutdown may take to write its last bytes. */
	private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(1);

	private final StreamContext context;

	private final SseStreamEmitter emitter;

	private final StreamRequest request;

	private final long keepAliveNanos;

	private final long probeNanos;

	private final Duration timeout;

	private final AtomicBoolean closed = new AtomicBoolean();

	/**
	 * Decides, between open() and end(), who completes the response: the emitter, or the
	 * writer.
	 */
	private final Object life = new Object();

	/** A cut-off or timeout was requested off the housekeeping thread; asked once. */
	private final AtomicBoolean endRequested = new AtomicBoolean();

	private final LongAdder eventsSent = new LongAdder();

	private final LongAdder bytesSent = new LongAdder();

	private volatile @Nullable StreamWriter writer;

	private volatile @Nullable CloseReason closeReason;

	private volatile boolean started;

	private volatile long lastWriteNanos = System.nanoTime();

	private volatile Instant openedAt = Instant.now();

	private volatile @Nullable String lastSentId;

	private volatile @Nullable ScheduledFuture<?> timeoutTask;

	private long openingLength;

	AbstractStream(StreamContext context, SseStreamEmitter emitter, StreamRequest request, SseOptions options) {
		this.context = context;
		this.emitter = emitter;
		this.request = request;
		this.keepAliveNanos = nanos(options.getKeepAliveInterval());
		this.probeNanos = context.settings().disconnectDetection().toNanos() / 2;
		Duration t = options.getTimeout();
		this.timeout = (t != null) ? t : Duration.ZERO;
		// The container finished the request (the client left, or it completed): release
		// its objects first.
		emitter.onCompletion(this::containerDone);
		emitter.onError((ex) -> containerDone());
		emitter.attach(this);
	}

	private static long nanos(@Nullable Duration duration) {
		return (duration != null) ? duration.toNanos() : 0;
	}

	// ---- for subclasses ----

	final StreamContext context() {
		return this.context;
	}

	/** The emitter the handler returns. */
	final SseStreamEmitter emitterForHandler() {
		return this.emitter;
	}

	final @Nullable StreamWriter writer() {
		return this.writer;
	}

	/** Opened: runs on the request thread once the writer has the response. */
	abstract void opened();

	/** Ending: release what the subclass holds; runs once, before the response ends. */
	abstract void ending(CloseReason reason);

	/**
	 * The writer to use from now on; called once when the stream opens, on the request
	 * thread.
	 */
	abstract StreamWriter writerForOpen();

	/**
	 * Sends bytes that arrive through the returned emitter's own {@code send} methods.
	 * @param encoded the bytes
	 * @return whether they were accepted
	 */
	abstract boolean deliver(EncodedEvent encoded);

	// ---- life ----

	/**
	 * Hands the first bytes to the emitter; Spring writes and flushes them when it
	 * initialises it.
	 */
	final void sendOpening(EncodedEvent opening) throws IOException {
		this.emitter.sendEarly(opening);
		this.openingLength = opening.length();
		this.bytesSent.add(opening.length());
	}

	/**
	 * The handler has returned and Spring has flushed the headers and the first bytes:
	 * the stream is open. Runs on the request thread.
	 * @param request the request, in async mode
	 * @param response the response
	 */
	final void open(HttpServletRequest request, HttpServletResponse response) {
		synchronized (this.life) {
			if (this.closed.get()) {
				// Ended before it opened: the emitter completes the response.
				return;
			}
			this.started = true;
		}
		StreamWriter w = writerForOpen();
		boolean startFailed = false;
		try {
			w.start(request, response);
		}
		catch (IOException | RuntimeException ex) {
			log.warn("Could not open SSE stream {}: {}", description(), ex.toString());
			startFailed = true;
		}
		boolean endedMeanwhile;
		synchronized (this.life) {
			this.writer = w;
			endedMeanwhile = this.closed.get();
		}
		if (endedMeanwhile) {
			// That end() found the stream started but no writer yet: completing the
			// response is ours.
			w.end(false);
			return;
		}
		if (startFailed) {
			end(CloseReason.ERROR);
			return;
		}
		if (!register()) {
			return;
		}
		scheduleTimeout();
		log.debug("SSE stream {} open ({})", description(), mode());
		opened();
	}

	/**
	 * Registers the stream as open. A shutdown or an end racing this either sees the
	 * stream or is seen by it.
	 */
	private boolean register() {
		this.openedAt = Instant.now();
		this.lastWriteNanos = System.nanoTime();
		StreamRegistry registry = this.context.registry();
		registry.opened(this);
		if (this.closed.get()) {
			// end() ran before the registration and may have missed it.
			CloseReason reason = this.closeReason;
			registry.closed(this, (reason != null) ? reason : CloseReason.COMPLETED);
			return false;
		}
		if (registry.isStopped()) {
			end(CloseReason.SHUTDOWN);
			return false;
		}
		registry.sent(this, false, this.openingLength);
		return true;
	}

	private void scheduleTimeout() {
		if (this.timeout.isZero()) {
			return;
		}
		ScheduledFuture<?> task = this.context.executors().schedule(() -> endSoon(CloseReason.TIMEOUT), this.timeout);
		this.timeoutTask = task;
		if (this.closed.get()) {
			task.cancel(false);
		}
	}

	/**
	 * The request ended without the stream opening (the handler failed after creating
	 * it).
	 */
	final void abandon() {
		if (!this.started) {
			end(CloseReason.COMPLETED);
		}
	}

	/** The container is done with the request: never touch its objects again. */
	private void containerDone() {
		StreamWriter w = this.writer;
		if (w != null) {
			w.release();
		}
		end(CloseReason.CLIENT);
	}

	/**
	 * Ends the stream once: marks it closed (so {@code isClosed()} turns true at once),
	 * lets the subclass release what it holds, has the writer end the response, and
	 * unregisters it.
	 * @param reason why
	 */
	final void end(CloseReason reason) {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		this.closeReason = reason;
		ScheduledFuture<?> task = this.timeoutTask;
		if (task != null) {
			task.cancel(false);
		}
		try {
			ending(reason);
		}
		catch (RuntimeException ex) {
			log.warn("Releasing SSE stream {} failed", description(), ex);
		}
		boolean wasStarted;
		StreamWriter w;
		synchronized (this.life) {
			wasStarted = this.started;
			w = this.writer;
		}
		if (!wasStarted) {
			// Never opened: Spring completes the emitter when (or if) it initialises it.
			this.emitter.completeUnopened();
		}
		else if (w != null) {
			endWriter(w, reason);
		}
		// else: open() is handing the response to the writer and ends it once it has.
		this.context.registry().closed(this, reason);
		log.debug("SSE stream {} ended ({})", description(), reason.tag());
	}

	private void endWriter(StreamWriter w, CloseReason reason) {
		Duration retry = this.context.settings().shutdownRetry();
		if (reason == CloseReason.SHUTDOWN && !retry.isZero()) {
			w.write(this.context.encoder().retry(retry));
		}
		w.end(reason.isGraceful());
		if (w instanceof NonBlockingWriter && !w.isDone()) {
			// A client that takes nothing is not waited on for long: housekeeping cuts it
			// off. (A
			// blocking writer is finished by the thread that holds it, bounded by the
			// container.)
			Duration grace = (reason == CloseReason.SHUTDOWN) ? SHUTDOWN_GRACE : this.context.settings().stallTimeout();
			this.context.registry().draining(w, System.nanoTime() + grace.toNanos());
		}
	}

	/**
	 * Ends the stream from a thread that must not wait (housekeeping, shutdown): a sync
	 * stream's end may wait behind its callback's write, so it runs on the blocking-I/O
	 * executor.
	 * @param reason why
	 */
	final void endSoon(CloseReason reason) {
		if (this.closed.get() || !this.endRequested.compareAndSet(false, true)) {
			return;
		}
		if (this.writer instanceof BlockingWriter) {
			this.context.executors().blockingIo().execute(() -> end(reason));
		}
		else {
			end(reason);
		}
	}

	/**
	 * Whether the stream has ended.
	 * @return {@code true} once ended, for whatever reason
	 */
	public final boolean isClosed() {
		return this.closed.get();
	}

	final boolean isStarted() {
		return this.started;
	}

	final @Nullable CloseReason closeReason() {
		return this.closeReason;
	}

	// ---- heartbeat ----

	/**
	 * Called by the housekeeping thread on every tick; decides and queues, never writes
	 * or waits.
	 * @param now {@link System#nanoTime()}
	 */
	final void idleCheck(long now) {
		StreamWriter w = this.writer;
		if (!this.started || w == null || this.closed.get()) {
			return;
		}
		long stalledSince = w.stalledSinceNanos();
		long stall = this.context.settings().stallTimeout().toNanos();
		if (stalledSince != 0 && now - stalledSince > stall) {
			log.info("Cutting off SSE stream {}: its client took nothing for {} ms (sse.slow-client.stall-timeout)",
					description(), (now - stalledSince) / 1_000_000);
			endSoon(CloseReason.SLOW_CLIENT);
			return;
		}
		long idle = now - this.lastWriteNanos;
		if (this.keepAliveNanos > 0 && idle >= this.keepAliveNanos) {
			w.writeIdle(this.context.keepAlive());
		}
		else if (this.probeNanos > 0 && idle >= this.probeNanos) {
			w.writeIdle(this.context.probe());
		}
	}

	// ---- from the writer ----

	@Override
	public final void written(EncodedEvent event) {
		this.lastWriteNanos = System.nanoTime();
		if (event.isEvent()) {
			this.eventsSent.increment();
			if (event.id() != null) {
				this.lastSentId = event.id();
			}
		}
		this.bytesSent.add(event.length());
		this.context.registry().sent(this, event.isEvent(), event.length());
	}

	@Override
	public final void failed(Throwable failure) {
		if (!this.closed.get()) {
			log.debug("SSE client of {} went away: {}", description(), failure.toString());
			this.context.registry().sendFailed(this, "client");
		}
		end(CloseReason.CLIENT);
	}

	// ---- SseStreamInfo ----

	final String description() {
		return this.request.description();
	}

	final StreamRequest request() {
		return this.request;
	}

	@Override
	public final String id() {
		return this.request.id();
	}

	@Override
	public final String route() {
		return this.request.route();
	}

	@Override
	public final String remoteAddress() {
		return this.request.remoteAddress();
	}

	@Override
	public final Instant openedAt() {
		return this.openedAt;
	}

	@Override
	public final long eventsSent() {
		return this.eventsSent.sum();
	}

	@Override
	public final long bytesSent() {
		return this.bytesSent.sum();
	}

	@Override
	public final @Nullable String lastSentEventId() {
		return this.lastSentId;
	}

	@Override
	public final long queuedBytes() {
		StreamWriter w = this.writer;
		return (w != null) ? w.queuedBytes() : 0;
	}

	@Override
	public abstract List<String> topics();

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[" + description() + (this.closed.get() ? ", closed]" : "]");
	}

}
