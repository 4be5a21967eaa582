package dev.sse.internal.stream;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import dev.sse.internal.wire.EncodedEvent;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

/**
 * Writes a sync stream with blocking I/O on the sending thread. A sync callback holds the
 * request thread, and while it does the container cannot run non-blocking writes for it,
 * so its own thread writes. Everyone else only ever tries: a keep-alive takes the lock
 * only if it is free (on the blocking-I/O executor, never a shared housekeeping thread),
 * and an end that finds a write in progress leaves the completion to the writing thread,
 * which looks once it lets go of the lock. A client that stops reading therefore blocks
 * only the callback's own thread, and only until the container's write timeout fails the
 * write. Internal.
 */
final class BlockingWriter extends StreamWriter {

	private final Owner owner;

	private final Executor blockingIo;

	private final ReentrantLock lock = new ReentrantLock();

	private final AtomicBoolean idleWriteInFlight = new AtomicBoolean();

	private volatile boolean ending;

	private volatile boolean done;

	/** When the write in progress started; 0 when none is. */
	private volatile long writingSinceNanos;

	private @Nullable ServletOutputStream out;

	private @Nullable AsyncContext context;

	/**
	 * Asked to complete, not yet confirmed by the container (release). Guarded by
	 * completion.
	 */
	private @Nullable AsyncContext unconfirmed;

	/** Never held during I/O: a release and a retried completion never overlap. */
	private final Object completion = new Object();

	/**
	 * The request thread, which runs the sync callback inside the container's dispatch.
	 */
	private @Nullable Thread dispatchThread;

	private volatile boolean inDispatch;

	BlockingWriter(Owner owner, Executor blockingIo) {
		this.owner = owner;
		this.blockingIo = blockingIo;
	}

	@Override
	void start(HttpServletRequest request, HttpServletResponse response) throws IOException {
		this.lock.lock();
		try {
			if (!this.done) {
				this.context = request.getAsyncContext();
				this.out = response.getOutputStream();
				this.dispatchThread = Thread.currentThread();
				this.inDispatch = true;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	boolean write(EncodedEvent event) {
		if (this.ending || this.done) {
			return false;
		}
		this.lock.lock();
		try {
			return writeLocked(event);
		}
		finally {
			this.lock.unlock();
			finishIfEnding();
		}
	}

	/** Under the lock. */
	private boolean writeLocked(EncodedEvent event) {
		ServletOutputStream stream = this.out;
		if (stream == null || this.ending || this.done) {
			return false;
		}
		this.writingSinceNanos = System.nanoTime();
		try {
			for (byte[] piece : event.pieces()) {
				stream.write(piece);
			}
			stream.flush();
		}
		catch (IOException | RuntimeException ex) {
			this.writingSinceNanos = 0;
			this.owner.failed(ex);
			return false;
		}
		this.writingSinceNanos = 0;
		this.owner.written(event);
		return true;
	}

	@Override
	void writeWithoutWaiting(EncodedEvent bytes) {
		if (this.ending || this.done || !this.lock.tryLock()) {
			return;
		}
		try {
			writeLocked(bytes);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	void writeIdle(EncodedEvent comment) {
		if (this.ending || this.done || !this.idleWriteInFlight.compareAndSet(false, true)) {
			return;
		}
		this.blockingIo.execute(() -> {
			try {
				// A send in progress means the stream is not idle; a stuck one is the
				// stall clock's business.
				if (this.lock.tryLock()) {
					try {
						writeLocked(comment);
					}
					finally {
						this.lock.unlock();
					}
					finishIfEnding();
				}
			}
			finally {
				this.idleWriteInFlight.set(false);
			}
		});
	}

	@Override
	long stalledSinceNanos() {
		return this.writingSinceNanos;
	}

	@Override
	long queuedBytes() {
		return 0;
	}

	/**
	 * Graceful or not, nothing is queued: every accepted event was written by its sender.
	 */
	@Override
	void end(boolean graceful) {
		this.ending = true;
		finishIfEnding();
	}

	/**
	 * Whoever lets go of the lock last after an end finishes the response: the end
	 * itself, or the writer it found.
	 */
	private void finishIfEnding() {
		if (this.ending && !this.done && this.lock.tryLock()) {
			try {
				finish();
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	/**
	 * Under the lock. Ends the body at once (the request completes when the callback
	 * returns).
	 */
	private void finish() {
		if (this.done) {
			return;
		}
		this.done = true;
		ServletOutputStream stream = this.out;
		this.out = null;
		try {
			if (stream != null) {
				stream.close();
			}
		}
		catch (IOException | RuntimeException ex) {
			// The client is gone: the request is completed all the same, below.
		}
		// While the callback holds the container's dispatch, the request is completed
		// from
		// that thread as it leaves (see leaveDispatch): completing it from another thread
		// then races the container's own handling of a client that is gone.
		if (!this.inDispatch || Thread.currentThread() == this.dispatchThread) {
			completeRequest();
		}
	}

	/** Under the lock. */
	private void completeRequest() {
		AsyncContext asyncContext = this.context;
		this.context = null;
		if (asyncContext != null) {
			synchronized (this.completion) {
				this.unconfirmed = asyncContext;
			}
			completeQuietly(asyncContext);
		}
	}

	@Override
	boolean retryComplete() {
		AsyncContext asyncContext;
		synchronized (this.completion) {
			asyncContext = this.unconfirmed;
			if (asyncContext == null || isRecycled(asyncContext)) {
				this.unconfirmed = null;
				return false;
			}
		}
		// Outside the monitor: the container calls release(), which takes it, while
		// holding its own lock on the request, which complete() takes.
		if (!this.inDispatch) {
			completeQuietly(asyncContext);
		}
		return true;
	}

	/**
	 * The sync callback returned on the request thread: from now on the request is no
	 * longer in the container's dispatch, and an end that happened meanwhile completes it
	 * here.
	 */
	void leaveDispatch() {
		this.lock.lock();
		try {
			this.inDispatch = false;
			if (this.done) {
				completeRequest();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	void release() {
		this.done = true;
		synchronized (this.completion) {
			this.unconfirmed = null;
		}
		if (this.lock.tryLock()) {
			try {
				this.out = null;
				this.context = null;
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	boolean isDone() {
		return this.done;
	}

}
