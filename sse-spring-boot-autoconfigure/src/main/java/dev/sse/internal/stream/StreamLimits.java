package dev.sse.internal.stream;

import dev.sse.SseStreamRejectedException;
import dev.sse.spi.RejectReason;
import java.security.Principal;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * How many streams may be open at once: in all, per client, and in sync mode (each holds
 * one of the container's request threads). A stream past a limit is refused before
 * anything is streamed: 503 (all, sync) or 429 (one client), with {@code Retry-After}.
 * Thread-safe.
 */
public final class StreamLimits {

	/** No limit at all. */
	public static final StreamLimits NONE = new StreamLimits(0, 0, 0, Duration.ofSeconds(5));

	private final int maxConnections;

	private final int maxPerClient;

	private final int maxSync;

	private final Duration retryAfter;

	private final AtomicInteger open = new AtomicInteger();

	private final AtomicInteger sync = new AtomicInteger();

	private final ConcurrentHashMap<String, AtomicInteger> perClient = new ConcurrentHashMap<>();

	/**
	 * @param maxConnections most streams open at once, {@code 0} for no limit
	 * @param maxPerClient most streams of one client (its principal's name, else its
	 * address) at once, {@code 0} for no limit
	 * @param maxSync most sync streams at once, {@code 0} for no limit
	 * @param retryAfter what a refused client is told to wait
	 */
	public StreamLimits(int maxConnections, int maxPerClient, int maxSync, Duration retryAfter) {
		if (maxConnections < 0 || maxPerClient < 0 || maxSync < 0) {
			throw new IllegalArgumentException("Stream limits are zero (none) or positive");
		}
		this.maxConnections = maxConnections;
		this.maxPerClient = maxPerClient;
		this.maxSync = maxSync;
		this.retryAfter = retryAfter;
	}

	public int maxConnections() {
		return this.maxConnections;
	}

	public int maxPerClient() {
		return this.maxPerClient;
	}

	public int maxSync() {
		return this.maxSync;
	}

	/**
	 * Takes a place for a new stream.
	 * @param request the stream's request
	 * @param syncStream whether its callback runs on the request thread
	 * @return the place, to release when the stream ends
	 * @throws Refused past a limit
	 */
	Permit acquire(HttpServletRequest request, boolean syncStream) throws Refused {
		if (!take(this.open, this.maxConnections)) {
			throw new Refused(RejectReason.LIMIT,
					new SseStreamRejectedException(HttpStatus.SERVICE_UNAVAILABLE,
							"Too many open SSE streams (sse.max-connections=" + this.maxConnections + ")",
							this.retryAfter, null));
		}
		String client = null;
		boolean counted = false;
		try {
			if (this.maxPerClient > 0) {
				client = clientKey(request);
				if (!takeFor(client)) {
					throw new Refused(RejectReason.CLIENT_LIMIT,
							new SseStreamRejectedException(HttpStatus.TOO_MANY_REQUESTS,
									"Too many open SSE streams for this client (sse.max-connections-per-client="
											+ this.maxPerClient + ")",
									this.retryAfter, null));
				}
			}
			if (syncStream && !take(this.sync, this.maxSync)) {
				if (client != null) {
					releaseFor(client);
				}
				throw new Refused(RejectReason.SYNC_LIMIT,
						new SseStreamRejectedException(
								HttpStatus.SERVICE_UNAVAILABLE, "Too many sync SSE streams (sse.max-sync-streams="
										+ this.maxSync + "): each holds a request thread; use async mode",
								this.retryAfter, null));
			}
			counted = true;
			return new Permit(client, syncStream);
		}
		finally {
			if (!counted) {
				this.open.decrementAndGet();
			}
		}
	}

	/**
	 * A stream counted as async turns out to hold the request thread (an executor that
	 * runs tasks on the caller): it takes a sync place too.
	 * @param permit its place, or {@code null} when it has none
	 * @throws Refused past the sync limit
	 */
	void takeRequestThread(@Nullable Permit permit) throws Refused {
		if (permit == null || permit.syncStream) {
			return;
		}
		if (!take(this.sync, this.maxSync)) {
			throw new Refused(RejectReason.SYNC_LIMIT, new SseStreamRejectedException(
					HttpStatus.SERVICE_UNAVAILABLE, "Too many SSE streams on request threads (sse.max-sync-streams="
							+ this.maxSync + "): the async executor runs callbacks on the caller",
					this.retryAfter, null));
		}
		permit.syncStream = true;
	}

	/**
	 * The authenticated principal when there is one, else the remote address (which
	 * reflects {@code X-Forwarded-For} when {@code server.forward-headers-strategy} says
	 * so).
	 */
	static String clientKey(HttpServletRequest request) {
		Principal principal = request.getUserPrincipal();
		if (principal != null && principal.getName() != null) {
			return "principal:" + principal.getName();
		}
		return "address:" + request.getRemoteAddr();
	}

	private static boolean take(AtomicInteger counter, int max) {
		if (max == 0) {
			counter.incrementAndGet();
			return true;
		}
		while (true) {
			int now = counter.get();
			if (now >= max) {
				return false;
			}
			if (counter.compareAndSet(now, now + 1)) {
				return true;
			}
		}
	}

	private boolean takeFor(String client) {
		boolean[] taken = { false };
		this.perClient.compute(client, (key, count) -> {
			AtomicInteger c = (count != null) ? count : new AtomicInteger();
			if (c.get() < this.maxPerClient) {
				c.incrementAndGet();
				taken[0] = true;
			}
			return (c.get() == 0) ? null : c;
		});
		return taken[0];
	}

	private void releaseFor(String client) {
		this.perClient.computeIfPresent(client, (key, count) -> (count.decrementAndGet() <= 0) ? null : count);
	}

	/** Streams open now, as counted here. */
	public int open() {
		return this.open.get();
	}

	/** Sync streams open now, as counted here. */
	public int openSync() {
		return this.sync.get();
	}

	/** A place taken by a stream: released once, when it ends. */
	final class Permit {

		private final AtomicBoolean released = new AtomicBoolean();

		private final @Nullable String client;

		private volatile boolean syncStream;

		Permit(@Nullable String client, boolean syncStream) {
			this.client = client;
			this.syncStream = syncStream;
		}

		private final AtomicBoolean threadReleased = new AtomicBoolean();

		/** The stream ended. */
		void release() {
			if (!this.released.compareAndSet(false, true)) {
				return;
			}
			StreamLimits.this.open.decrementAndGet();
			if (this.client != null) {
				releaseFor(this.client);
			}
		}

		/**
		 * The request thread is free: a sync stream's callback returned (or never ran).
		 * Its sync place is given back only now, however the stream ended.
		 */
		void releaseRequestThread() {
			if (this.syncStream && this.threadReleased.compareAndSet(false, true)) {
				StreamLimits.this.sync.decrementAndGet();
			}
		}

	}

	/** A refusal, with the reason the metrics count it under. */
	static final class Refused extends Exception {

		private final RejectReason reason;

		private final SseStreamRejectedException answer;

		Refused(RejectReason reason, SseStreamRejectedException answer) {
			super(answer.getReason(), null, false, false);
			this.reason = reason;
			this.answer = answer;
		}

		RejectReason reason() {
			return this.reason;
		}

		SseStreamRejectedException answer() {
			return this.answer;
		}

	}

}
