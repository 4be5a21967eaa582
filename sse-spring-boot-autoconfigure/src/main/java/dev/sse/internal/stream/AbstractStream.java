package dev.sse.internal.stream;

import dev.sse.spi.CloseReason;
import dev.sse.spi.SseStreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import dev.sse.SseOptions;
import dev.sse.internal.wire.EncodedEvent;
import dev.sse.spi.SendFailure;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
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

	private volatile StreamLimits.@Nullable Permit permit;

	private volatile long lastWriteNanos = System.nanoTime();

	private volatile Instant openedAt = Instant.now();

	private volatile @Nullable String lastSentId;

	private volatile @Nullable ScheduledFuture<?> timeoutTask;

	private long openingLength;

	private @Nullable EncodedEvent opening;

	/** Set under the emitter's early lock once the writer has the response. */
	private volatile boolean takesWrites;

	/** The container said the request is done (completed, or failed). */
	private volatile boolean containerFinished;

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

	/** The first bytes, written and flushed with the headers when the stream opens. */
	final void useOpening(EncodedEvent opening) {
		this.opening = opening;
		this.openingLength = opening.length();
		this.bytesSent.add(opening.length());
	}

	/**
	 * Whether writes go to the writer now (rather than waiting for the stream to open).
	 */
	final boolean takesWrites() {
		return this.takesWrites;
	}

	/**
	 * The handler has returned and Spring has flushed the headers and the first bytes:
	 * the stream is open. Runs on the request thread.
	 * @param request the request, in async mode
	 * @param response the response
	 */
	final void open(HttpServletRequest request, HttpServletResponse response) {
		// Counted from here until registered or ended, so that a shutdown does not miss
		// a stream that opens while it looks.
		this.context.registry().openingStarted();
		try {
			synchronized (this.life) {
				if (this.closed.get()) {
					// Ended before it opened: the emitter completes the response.
					return;
				}
				this.started = true;
			}
			openStarted(request, response);
		}
		finally {
			this.context.registry().openingEnded();
			// This runs on the request thread, which a sync callback held until now.
			StreamLimits.Permit p = this.permit;
			if (p != null) {
				p.releaseRequestThread();
			}
		}
	}

	private void openStarted(HttpServletRequest request, HttpServletResponse response) {
		watchTheRequest(request);
		if (!writeOpening(request, response)) {
			return;
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
		synchronized (this.emitter.earlyLock()) {
			this.takesWrites = true;
			// Sent through the emitter while the writer took over: after the opening, in
			// order.
			for (EncodedEvent early : this.emitter.takeEarly()) {
				deliver(early);
			}
		}
		if (!register()) {
			return;
		}
		scheduleTimeout();
		log.debug("SSE stream {} open ({})", description(), mode().tag());
		opened();
	}

	/** The response buffer a stream asks its container for. */
	static final int RESPONSE_BUFFER = 4096;

	/**
	 * Writes the headers (set by the emitter), the opening bytes and anything the
	 * application sent through the emitter before, with a blocking write on the request
	 * thread, so the client sees the stream open at once. A client already gone is
	 * noticed here, inside the container's dispatch, where completing the request is
	 * always valid.
	 * @return whether the stream can go on
	 */
	private boolean writeOpening(HttpServletRequest request, HttpServletResponse response) {
		try {
			smallerBuffer(response);
			this.emitter.applyHeaders();
			ServletOutputStream out = response.getOutputStream();
			List<EncodedEvent> first = new ArrayList<>();
			if (this.opening != null) {
				first.add(this.opening);
			}
			synchronized (this.emitter.earlyLock()) {
				first.addAll(this.emitter.takeEarly());
			}
			boolean buffers = StreamWriter.writesBuffers(out);
			for (EncodedEvent bytes : first) {
				for (byte[] piece : bytes.pieces()) {
					StreamWriter.write(out, piece, buffers);
				}
			}
			out.flush();
			return true;
		}
		catch (IOException | RuntimeException ex) {
			log.debug("SSE client of {} left before its stream opened: {}", description(), ex.toString());
			StreamWriter.completeQuietly(request.getAsyncContext());
			end(CloseReason.CLIENT);
			return false;
		}
	}

	/**
	 * Jetty takes a response buffer of the response's buffer size from its pool at the
	 * first write and holds it until the response ends: 32 KiB by default, for every open
	 * stream. Tomcat never shrinks its own, so this changes nothing there. Only an
	 * optimisation: a response something was already written to (a filter's bytes) keeps
	 * its buffer.
	 */
	private static void smallerBuffer(HttpServletResponse response) {
		if (!response.isCommitted() && response.getBufferSize() > RESPONSE_BUFFER) {
			try {
				response.setBufferSize(RESPONSE_BUFFER);
			}
			catch (IllegalStateException ex) {
				// Content was written before the stream opened.
			}
		}
	}

	/**
	 * Learns from the container itself when it is done with the request, so the writer
	 * lets go of it before the container recycles it. Spring's emitter callbacks cannot
	 * be relied on here: when the opening bytes fail (the client left during the
	 * handler), Spring never wires them, yet still opens the stream.
	 */
	private void watchTheRequest(HttpServletRequest request) {
		request.getAsyncContext().addListener(new AsyncListener() {

			@Override
			public void onComplete(AsyncEvent event) {
				containerDone();
			}

			@Override
			public void onError(AsyncEvent event) {
				containerDone();
			}

			@Override
			public void onTimeout(AsyncEvent event) {
			}

			@Override
			public void onStartAsync(AsyncEvent event) {
			}
		});
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
	final StreamLimits.@Nullable Permit permit() {
		return this.permit;
	}

	/** Its place under the stream limits, given back when it ends. */
	final void holdPermit(StreamLimits.Permit p) {
		this.permit = p;
		if (this.closed.get()) {
			p.release();
			synchronized (this.life) {
				if (!this.started) {
					p.releaseRequestThread();
				}
			}
		}
	}

	final void abandon() {
		if (!this.started) {
			end(CloseReason.COMPLETED);
		}
	}

	/** The container is done with the request: never touch its objects again. */
	final boolean isContainerFinished() {
		return this.containerFinished;
	}

	/**
	 * Asks the container again to complete the request, if it has not said it is
	 * finished.
	 * @return whether the request is still not known to be finished
	 */
	final boolean retryComplete() {
		StreamWriter w = this.writer;
		if (w == null || this.containerFinished || !w.retryComplete()) {
			this.containerFinished = true;
			return false;
		}
		return true;
	}

	private void containerDone() {
		this.containerFinished = true;
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
		StreamLimits.Permit p = this.permit;
		if (p != null) {
			p.release();
			synchronized (this.life) {
				if (!this.started) {
					// It will not open: no request thread to wait for.
					p.releaseRequestThread();
				}
			}
		}
		ScheduledFuture<?> task = this.timeoutTask;
		if (task != null) {
			task.cancel(false);
		}
		try {
			ending(reason);
		}
		catch (Throwable ex) {
			// An onClose action may throw anything (a Kotlin lambda, @SneakyThrows):
			// the stream still ends.
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
			if (!this.containerFinished) {
				this.context.registry().unconfirmed(this);
			}
		}
		// else: open() is handing the response to the writer and ends it once it has.
		this.context.registry().closed(this, reason);
		log.debug("SSE stream {} ended ({})", description(), reason.tag());
	}

	/** Whether what was queued still goes out before the response ends. */
	private static boolean flushesQueued(CloseReason reason) {
		return switch (reason) {
			case COMPLETED, ERROR, TIMEOUT, SHUTDOWN -> true;
			case CLIENT, SLOW_CLIENT, EVICTED -> false;
		};
	}

	private void endWriter(StreamWriter w, CloseReason reason) {
		Duration retry = this.context.settings().shutdownRetry();
		if (reason == CloseReason.SHUTDOWN && !retry.isZero()) {
			// Never behind a stuck client's write: shutdown ends every stream promptly.
			w.writeWithoutWaiting(this.context.encoder().retry(retry));
		}
		w.end(flushesQueued(reason));
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
			this.context.registry().sendFailed(this, SendFailure.CLIENT);
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
