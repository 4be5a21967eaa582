package dev.sse.internal.stream;

import dev.sse.spi.CloseReason;
import dev.sse.spi.RejectReason;
import dev.sse.spi.SendFailure;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamListener;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open streams, and the listeners told what happens to them. A listener that throws
 * is logged and skipped: it never keeps a stream registered or the other listeners
 * uninformed. Thread-safe. Internal.
 */
final class StreamRegistry {

	private static final Logger log = LoggerFactory.getLogger(StreamRegistry.class);

	private final Map<String, AbstractStream> open = new ConcurrentHashMap<>();

	private final List<StreamListener> listeners;

	/** Opened and not yet through its closing: shutdown waits for this to reach zero. */
	private final AtomicInteger live = new AtomicInteger();

	/** Streams between their start and their registration. */
	private final AtomicInteger opening = new AtomicInteger();

	private final Object drained = new Object();

	private final Set<StreamListener> warned = ConcurrentHashMap.newKeySet();

	/**
	 * Ended streams whose writer still sends its last bytes, with the deadline to give up
	 * on them.
	 */
	private final Map<StreamWriter, Long> draining = new ConcurrentHashMap<>();

	private volatile boolean stopped;

	private static final int UNCONFIRMED_ATTEMPTS = 10;

	private final AtomicInteger runningSync = new AtomicInteger();

	private final AtomicInteger runningAsync = new AtomicInteger();

	StreamRegistry(List<StreamListener> listeners) {
		this.listeners = List.copyOf(listeners);
	}

	void opened(AbstractStream stream) {
		this.live.incrementAndGet();
		this.open.put(stream.id(), stream);
		tell((listener) -> listener.opened(stream));
	}

	/** Idempotent: only the call that unregisters the stream tells the listeners. */
	void closed(AbstractStream stream, CloseReason reason) {
		if (!this.open.remove(stream.id(), stream)) {
			return;
		}
		try {
			tell((listener) -> listener.closed(stream, reason));
		}
		finally {
			if (this.live.decrementAndGet() == 0) {
				synchronized (this.drained) {
					this.drained.notifyAll();
				}
			}
		}
	}

	void rejected(SseStreamInfo stream, RejectReason reason) {
		tell((listener) -> listener.rejected(stream, reason));
	}

	void sent(SseStreamInfo stream, boolean event, long bytes) {
		for (StreamListener listener : this.listeners) {
			try {
				listener.sent(stream, event, bytes);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void sendFailed(SseStreamInfo stream, SendFailure reason) {
		tell((listener) -> listener.sendFailed(stream, reason));
	}

	private void tell(Consumer<StreamListener> call) {
		for (StreamListener listener : this.listeners) {
			try {
				call.accept(listener);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	private void failed(StreamListener listener, Throwable ex) {
		if (this.warned.add(listener)) {
			log.warn("SSE stream listener {} failed (further failures are logged at debug)", listener, ex);
		}
		else {
			log.debug("SSE stream listener {} failed", listener, ex);
		}
	}

	/**
	 * An ended stream's writer still writes (graceful end): cut it off if it is not done
	 * by the deadline.
	 */
	void draining(StreamWriter writer, long deadlineNanos) {
		this.draining.put(writer, deadlineNanos);
	}

	/**
	 * Forgets writers that finished, and aborts those past their deadline. Housekeeping.
	 * @param now {@link System#nanoTime()}
	 */
	void checkDraining(long now) {
		this.draining.forEach((writer, deadline) -> {
			if (writer.isDone()) {
				this.draining.remove(writer);
			}
			else if (now - deadline > 0) {
				this.draining.remove(writer);
				writer.end(false);
			}
		});
	}

	/**
	 * Ended streams whose request the container has not confirmed complete, with attempts
	 * left.
	 */
	private final Map<AbstractStream, Integer> unconfirmed = new ConcurrentHashMap<>();

	void unconfirmed(AbstractStream stream) {
		this.unconfirmed.put(stream, UNCONFIRMED_ATTEMPTS);
	}

	/**
	 * Asks the container again, about once a second, to complete the requests of ended
	 * streams it has not confirmed complete. Housekeeping.
	 */
	void checkUnconfirmed() {
		this.unconfirmed.forEach((stream, attempts) -> {
			if (stream.isContainerFinished() || !stream.retryComplete()) {
				this.unconfirmed.remove(stream);
			}
			else if (attempts <= 1) {
				this.unconfirmed.remove(stream);
				log.warn("The container never finished the request of SSE stream {}", stream.description());
			}
			else {
				this.unconfirmed.put(stream, attempts - 1);
			}
		});
	}

	int unconfirmedCount() {
		return this.unconfirmed.size();
	}

	/**
	 * Ended streams still writing their last bytes.
	 * @return how many
	 */
	int drainingCount() {
		return this.draining.size();
	}

	/** A callback starts running (sync on a request thread, async on the executor). */
	void callbackStarted(boolean async) {
		(async ? this.runningAsync : this.runningSync).incrementAndGet();
	}

	void callbackEnded(boolean async) {
		(async ? this.runningAsync : this.runningSync).decrementAndGet();
	}

	int runningCallbacks(boolean async) {
		return (async ? this.runningAsync : this.runningSync).get();
	}

	Collection<AbstractStream> streams() {
		return this.open.values();
	}

	@Nullable AbstractStream get(String id) {
		return this.open.get(id);
	}

	int size() {
		return this.open.size();
	}

	boolean isStopped() {
		return this.stopped;
	}

	void openingStarted() {
		this.opening.incrementAndGet();
	}

	void openingEnded() {
		this.opening.decrementAndGet();
	}

	void stop() {
		this.stopped = true;
	}

	void restart() {
		this.stopped = false;
	}

	/**
	 * Waits until every opened stream has been through its closing.
	 * @param timeout how long at most
	 * @return whether none is left
	 */
	boolean awaitDrained(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.drained) {
			while (this.live.get() > 0 || this.opening.get() > 0) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				try {
					// A stream still opening registers (and ends itself) without a
					// notification: look again soon.
					TimeUnit.NANOSECONDS.timedWait(this.drained, Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return false;
				}
			}
		}
		// Then their last bytes (the retry hint, the end of the response): a web server
		// that stops at once would cut them off. A client that takes nothing is cut off
		// by its writer's grace deadline.
		// Then until the container has finished each response (a completion asked from
		// another thread is carried out on one of its own).
		while (true) {
			this.draining.keySet().removeIf(StreamWriter::isDone);
			this.unconfirmed.keySet().removeIf(AbstractStream::isContainerFinished);
			if (this.draining.isEmpty() && this.unconfirmed.isEmpty()) {
				return true;
			}
			if (deadline - System.nanoTime() <= 0) {
				return false;
			}
			checkDraining(System.nanoTime());
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
		}
	}

}
