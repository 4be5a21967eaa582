package dev.sse.internal.stream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.sse.internal.wire.EncodedEvent;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a stream with Servlet non-blocking I/O: events are queued (encoded once, shared)
 * and drained only while the socket takes them, by a small pool of writer threads or by
 * the container's own {@code onWritePossible}. A client that stops reading therefore
 * holds no thread and no lock; its queue grows and the stall clock runs until its stream
 * is cut off.
 *
 * <p>
 * The rules that keep every queued byte moving:
 * <ul>
 * <li>{@code isReady()} is asked before every write and flush; when it says no, the
 * container calls {@code onWritePossible} later, which resumes the drain.</li>
 * <li>Bytes written but not yet flushed are remembered, and flushed on the next drain
 * even when the queue is empty by then.</li>
 * <li>After a flush, {@code isReady()} is asked again: if the flush left bytes behind,
 * the container finishes them and calls back.</li>
 * <li>A publisher only schedules a drain when the socket is not known to be blocked; the
 * flag is raised before asking {@code isReady()}, and the drain polls the queue again
 * after lowering it, so an event queued meanwhile is never left behind.</li>
 * </ul>
 * One drain runs at a time ({@code wip}); the container's objects are touched only under
 * {@code lock}, held for the duration of non-blocking writes. Internal.
 */
final class NonBlockingWriter extends StreamWriter implements WriteListener, Runnable {

	private static final Logger log = LoggerFactory.getLogger(NonBlockingWriter.class);

	private final Owner owner;

	private final Executor drainer;

	private final Queue<EncodedEvent> queue = new ConcurrentLinkedQueue<>();

	private final AtomicLong queuedBytes = new AtomicLong();

	/** Signals since the drain loop last looked; the loop runs while it is non-zero. */
	private final AtomicInteger wip = new AtomicInteger();

	/** Guards the container's objects and the partial event. */
	private final ReentrantLock lock = new ReentrantLock();

	private final Condition room = this.lock.newCondition();

	/**
	 * True while the socket is known not to take data (and before the first
	 * onWritePossible).
	 */
	private volatile boolean blocked = true;

	/** When the socket stopped taking data with bytes waiting; 0 while it takes them. */
	private volatile long stalledSinceNanos;

	private volatile boolean done;

	/** Senders waiting for room; the drain signals them only when there are some. */
	private volatile int waiting;

	private @Nullable AsyncContext context;

	/** Asked to complete, not yet confirmed by the container (release). */
	private @Nullable AsyncContext unconfirmed;

	private @Nullable ServletOutputStream out;

	/**
	 * Jetty: events go out as {@code ByteBuffer}s, written through at once (no
	 * aggregation buffer held by the response), small ones gathered into one write.
	 */
	private boolean buffers;

	private @Nullable EncodedEvent current;

	private int piece;

	private boolean unflushed;

	/** Complete the response once everything queued is written. */
	private boolean completing;

	NonBlockingWriter(Owner owner, Executor drainer) {
		this.owner = owner;
		this.drainer = drainer;
	}

	@Override
	void start(HttpServletRequest request, HttpServletResponse response) throws IOException {
		this.lock.lock();
		try {
			if (this.done) {
				return;
			}
			this.context = request.getAsyncContext();
			ServletOutputStream stream = response.getOutputStream();
			this.out = stream;
			this.buffers = writesBuffers(stream);
			this.stalledSinceNanos = System.nanoTime();
			try {
				// The container calls onWritePossible as soon as the socket takes data:
				// the first drain.
				stream.setWriteListener(this);
				return;
			}
			catch (UnsupportedOperationException ex) {
				// A response without non-blocking I/O (MockMvc's): isReady() is always
				// true there.
			}
		}
		finally {
			unlock();
		}
		onWritePossible();
	}

	@Override
	boolean write(EncodedEvent event) {
		if (this.done) {
			return false;
		}
		this.queue.add(event);
		this.queuedBytes.addAndGet(event.length());
		signal();
		return true;
	}

	@Override
	void writeIdle(EncodedEvent comment) {
		// Only on an idle socket: a queue that waits already tells a live client from a
		// gone one.
		if (!this.blocked && this.queue.isEmpty()) {
			write(comment);
		}
	}

	@Override
	void writeWithoutWaiting(EncodedEvent bytes) {
		// Queued: never waits.
		write(bytes);
	}

	/**
	 * Drops what is queued; only before the writer starts (a replay too large to send).
	 */
	void discardQueued() {
		this.lock.lock();
		try {
			this.queue.clear();
			this.queuedBytes.set(0);
		}
		finally {
			unlock();
		}
	}

	/**
	 * Waits until the queue holds at most {@code limit} bytes.
	 * @param limit the most bytes queued
	 * @param timeoutNanos how long to wait
	 * @return {@code true} when there is room (or the writer has ended), {@code false} on
	 * timeout
	 * @throws InterruptedException if the thread is interrupted while waiting
	 */
	boolean awaitRoom(long limit, long timeoutNanos) throws InterruptedException {
		if (this.queuedBytes.get() <= limit || this.done) {
			return true;
		}
		long remaining = timeoutNanos;
		this.lock.lockInterruptibly();
		try {
			this.waiting++;
			while (this.queuedBytes.get() > limit && !this.done) {
				if (remaining <= 0) {
					return false;
				}
				remaining = this.room.awaitNanos(remaining);
			}
			return true;
		}
		finally {
			this.waiting--;
			unlock();
		}
	}

	private void signal() {
		if (!this.blocked && this.wip.getAndIncrement() == 0) {
			this.drainer.execute(this);
		}
	}

	/** A drain on a writer thread. */
	@Override
	public void run() {
		drainLoop();
	}

	@Override
	public void onWritePossible() {
		this.stalledSinceNanos = 0;
		this.blocked = false;
		if (this.wip.getAndIncrement() == 0) {
			drainLoop();
		}
	}

	@Override
	public void onError(Throwable failure) {
		this.owner.failed(failure);
	}

	private void drainLoop() {
		int missed = 1;
		do {
			drain();
			missed = this.wip.addAndGet(-missed);
		}
		while (missed != 0);
	}

	private void drain() {
		Throwable failure = null;
		this.lock.lock();
		try {
			ServletOutputStream stream = this.out;
			if (stream != null && !this.done) {
				drain(stream);
			}
		}
		catch (IOException | RuntimeException ex) {
			failure = ex;
		}
		finally {
			if (this.waiting > 0) {
				this.room.signalAll();
			}
			unlock();
		}
		if (failure != null) {
			this.owner.failed(failure);
		}
	}

	/**
	 * Under the lock: writes while the socket takes data, flushes what was written,
	 * completes when asked.
	 */
	private void drain(ServletOutputStream stream) throws IOException {
		while (true) {
			EncodedEvent event = this.current;
			if (event == null) {
				event = this.queue.poll();
				if (event == null) {
					if (this.unflushed) {
						// Jetty, buffers: written through already, but a write the socket
						// could not take whole is still under way: the container finishes
						// it, then calls back (and the stall clock runs meanwhile).
						if (!ready(stream)) {
							return;
						}
						this.unflushed = false;
						if (!this.buffers) {
							stream.flush();
							// A flush the socket could not take whole: the container
							// finishes it, then calls back.
							if (!ready(stream)) {
								return;
							}
						}
						continue;
					}
					if (this.completing) {
						completeNow();
					}
					return;
				}
				this.current = event;
				this.piece = 0;
			}
			List<byte[]> pieces = event.pieces();
			List<EncodedEvent> with = List.of();
			while (this.piece < pieces.size()) {
				if (!ready(stream)) {
					return;
				}
				byte[] bytes = pieces.get(this.piece++);
				if (this.buffers && this.piece == pieces.size()) {
					// Written through, not aggregated: the events queued behind go in
					// the same write.
					with = takeFollowing(bytes.length);
					bytes = joined(bytes, with);
				}
				write(stream, bytes, this.buffers);
				// Flushed (or, written through, asked whether it went whole) once the
				// queue is empty.
				this.unflushed = true;
			}
			this.current = null;
			written(event);
			for (EncodedEvent next : with) {
				written(next);
			}
		}
	}

	private void written(EncodedEvent event) {
		this.queuedBytes.addAndGet(-event.length());
		this.owner.written(event);
	}

	/** The most bytes gathered into one write (Jetty). */
	private static final int GATHER = 16 * 1024;

	/**
	 * Under the lock: takes the whole events queued next that fit {@link #GATHER} with
	 * what is written already (only the drain takes from the queue).
	 */
	private List<EncodedEvent> takeFollowing(long already) {
		List<EncodedEvent> taken = List.of();
		long total = already;
		for (EncodedEvent next = this.queue.peek(); next != null
				&& total + next.length() <= GATHER; next = this.queue.peek()) {
			this.queue.poll();
			if (taken.isEmpty()) {
				taken = new ArrayList<>();
			}
			taken.add(next);
			total += next.length();
		}
		return taken;
	}

	private static byte[] joined(byte[] first, List<EncodedEvent> following) {
		if (following.isEmpty()) {
			return first;
		}
		long total = first.length;
		for (EncodedEvent next : following) {
			total += next.length();
		}
		byte[] joined = Arrays.copyOf(first, (int) total);
		int at = first.length;
		for (EncodedEvent next : following) {
			for (byte[] piece : next.pieces()) {
				System.arraycopy(piece, 0, joined, at, piece.length);
				at += piece.length;
			}
		}
		return joined;
	}

	/**
	 * Asks the socket; the blocked flag goes up first, so a publisher that reads it
	 * meanwhile is covered.
	 */
	private boolean ready(ServletOutputStream stream) {
		this.blocked = true;
		if (stream.isReady()) {
			this.blocked = false;
			this.stalledSinceNanos = 0;
			return true;
		}
		if (this.stalledSinceNanos == 0) {
			this.stalledSinceNanos = System.nanoTime();
		}
		return false;
	}

	@Override
	long stalledSinceNanos() {
		return this.stalledSinceNanos;
	}

	@Override
	long queuedBytes() {
		return this.queuedBytes.get();
	}

	@Override
	void end(boolean graceful) {
		boolean drainNow = false;
		this.lock.lock();
		try {
			if (this.done) {
				return;
			}
			if (graceful && this.out != null) {
				this.completing = true;
				drainNow = true;
			}
			else {
				completeNow();
			}
		}
		finally {
			unlock();
		}
		if (drainNow && this.wip.getAndIncrement() == 0) {
			// When the socket is blocked this drain finds it so, and the next
			// onWritePossible completes.
			this.drainer.execute(this);
		}
	}

	/**
	 * Under the lock: completes the request (once it is ours to complete) and drops
	 * everything.
	 */
	private void completeNow() {
		this.done = true;
		AsyncContext asyncContext = this.context;
		this.context = null;
		this.out = null;
		this.current = null;
		this.queue.clear();
		this.queuedBytes.set(0);
		this.stalledSinceNanos = 0;
		this.room.signalAll();
		if (asyncContext != null) {
			this.unconfirmed = asyncContext;
			this.toComplete = asyncContext;
		}
	}

	/**
	 * Releases the lock, then completes what was decided under it. Never under the lock:
	 * the container holds its own lock on the request while it calls back into this
	 * writer ({@link #release()}), and {@code AsyncContext.complete()} takes that lock,
	 * so completing under ours would deadlock against it.
	 */
	private void unlock() {
		AsyncContext pending = null;
		if (this.lock.getHoldCount() == 1) {
			pending = this.toComplete;
			this.toComplete = null;
		}
		this.lock.unlock();
		if (pending != null) {
			complete(pending);
		}
	}

	/** Guarded by the lock: a completion to carry out once the lock is released. */
	private @Nullable AsyncContext toComplete;

	/**
	 * Set first thing when the container reports the request done, before taking the
	 * lock: a completion decided under the lock and carried out after it must not reach a
	 * request the container is recycling.
	 */
	private volatile boolean released;

	private void complete(AsyncContext asyncContext) {
		if (this.released) {
			return;
		}
		if (!completeQuietly(asyncContext)) {
			log.debug("Completing an SSE response failed: the container is finishing it already");
		}
	}

	@Override
	boolean retryComplete() {
		this.lock.lock();
		try {
			AsyncContext asyncContext = this.unconfirmed;
			if (asyncContext == null || isRecycled(asyncContext)) {
				this.unconfirmed = null;
				return false;
			}
			this.toComplete = asyncContext;
			return true;
		}
		finally {
			unlock();
		}
	}

	@Override
	void release() {
		this.released = true;
		this.lock.lock();
		try {
			this.context = null;
			this.unconfirmed = null;
			completeNow();
		}
		finally {
			unlock();
		}
	}

	@Override
	boolean isDone() {
		return this.done;
	}

}
