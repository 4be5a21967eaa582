package dev.sse.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sse.spi.SseBrokerException;
import org.jspecify.annotations.Nullable;

/**
 * The publications of one bucket on their way to Redis. A publication goes at once when
 * fewer than {@link #IN_FLIGHT} calls to this bucket are in flight; otherwise it waits in
 * a queue, and the next call takes every publication that came meanwhile (up to
 * {@link #MOST_EVENTS} and {@link #MOST_BYTES}) in one script run. A lone publisher sees
 * one round trip, as before; many at once share the round trips and Redis runs one script
 * per batch instead of one per event. Nothing waits on another caller: a caller only
 * waits for its own result, up to the deadline. Thread-safe.
 */
final class Publications {

	/** Calls in flight for the whole broker, shared among its buckets. */
	static final int IN_FLIGHT = 4;

	static final int MOST_EVENTS = 64;

	static final long MOST_BYTES = 1L << 20;

	private final Buckets.Bucket bucket;

	private final RedisCalls redis;

	private final RedisBrokerSettings settings;

	private final ConnectionWatch watch;

	private final BucketState state;

	private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();

	private final AtomicInteger inFlight = new AtomicInteger();

	private final int inFlightLimit;

	/**
	 * How long a caller waits for its publication, and a call to Redis may take: the
	 * command timeout the script's own deadline stands on, and a margin for the trip.
	 */
	private final Duration wait;

	Publications(BucketState state, RedisCalls redis, RedisBrokerSettings settings, ConnectionWatch watch,
			int buckets) {
		this.inFlightLimit = Math.max(1, IN_FLIGHT / buckets);
		this.bucket = state.bucket();
		this.redis = redis;
		this.settings = settings;
		this.watch = watch;
		this.state = state;
		this.wait = settings.commandTimeout().plus(Duration.ofMillis(500));
	}

	/** One publication, as the script takes it. */
	static final class Pending {

		final String topic;

		final byte[] name;

		final byte[] data;

		final long weight;

		final CompletableFuture<String> id = new CompletableFuture<>();

		/** Set by the caller that gave up: not sent any more. */
		final AtomicBoolean abandoned = new AtomicBoolean();

		Pending(String topic, byte[] name, byte[] data, long weight) {
			this.topic = topic;
			this.name = name;
			this.data = data;
			this.weight = weight;
		}

	}

	/**
	 * Publishes and waits for the id, at most the command timeout and a margin.
	 * @throws SseBrokerException when Redis refused it, or did not answer in time (it may
	 * have been published then)
	 */
	String publish(Pending pending) {
		this.queue.add(pending);
		send();
		try {
			return pending.id.get(this.wait.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			pending.abandoned.set(true);
			throw new SseBrokerException("Redis did not answer the publication within " + this.wait.toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			pending.abandoned.set(true);
			Thread.currentThread().interrupt();
			throw new SseBrokerException("Interrupted while publishing through Redis", ex);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof SseBrokerException broker) ? broker
					: new SseBrokerException(RedisCalls.message(ex.getCause()), ex.getCause());
		}
	}

	/** Sends what waits, while fewer than inFlightLimit calls are out. */
	private void send() {
		while (!this.queue.isEmpty()) {
			int now = this.inFlight.get();
			if (now >= this.inFlightLimit) {
				return;
			}
			if (!this.inFlight.compareAndSet(now, now + 1)) {
				continue;
			}
			List<Pending> batch = take();
			if (batch.isEmpty()) {
				this.inFlight.decrementAndGet();
				continue;
			}
			call(batch);
		}
	}

	/** Under this: peek and poll must see the same head. */
	private synchronized List<Pending> take() {
		List<Pending> batch = new ArrayList<>();
		long bytes = 0;
		Pending next;
		while (batch.size() < MOST_EVENTS && (next = this.queue.peek()) != null
				&& (batch.isEmpty() || bytes + next.data.length <= MOST_BYTES)) {
			this.queue.poll();
			if (!next.abandoned.get()) {
				batch.add(next);
				bytes += next.data.length;
			}
		}
		return batch;
	}

	private void call(List<Pending> batch) {
		long deadline = this.watch.redisNowMicros() + this.settings.commandTimeout().toNanos() / 1000;
		long remember = this.settings.commandTimeout().toMillis() + 5_500;
		List<byte[]> keys = new ArrayList<>(3 + batch.size());
		keys.add(this.bucket.indexKey());
		keys.add(this.bucket.feedKey());
		keys.add(this.bucket.tokenKey());
		List<byte[]> args = new ArrayList<>(8 + 4 * batch.size());
		args.add(RedisCalls.bytes(this.settings.historySize()));
		args.add(RedisCalls.bytes(this.settings.historyBytes()));
		args.add(RedisCalls.bytes(this.settings.historyTtl().toNanos() / 1000));
		args.add(RedisCalls.bytes(this.settings.idleExpiry().toMillis() * 2));
		args.add(RedisCalls.bytes(deadline));
		args.add(RedisCalls.bytes(this.state.highest()));
		args.add(RedisCalls.bytes(this.settings.feedLength()));
		args.add(RedisCalls.bytes(remember));
		for (Pending pending : batch) {
			keys.add(this.bucket.streamKey(pending.topic));
			args.add(RedisCalls.bytes(pending.topic));
			args.add(pending.name);
			args.add(pending.data);
			args.add(RedisCalls.bytes(pending.weight));
		}
		this.redis.runAsync(RedisCalls.PUBLISH, keys, args, this.wait, "the publication")
			.whenComplete((reply, failure) -> {
				try {
					answer(batch, reply, failure);
				}
				catch (RuntimeException ex) {
					SseBrokerException error = new SseBrokerException(
							"Unexpected answer of Redis to a publication: " + RedisCalls.message(ex), ex);
					batch.forEach((pending) -> pending.id.completeExceptionally(error));
				}
				finally {
					this.inFlight.decrementAndGet();
					send();
				}
			});
	}

	private void answer(List<Pending> batch, @Nullable List<Object> reply, @Nullable Throwable failure) {
		if (failure != null || reply == null) {
			SseBrokerException error = new SseBrokerException(
					(failure != null) ? RedisCalls.message(failure) : "Redis gave no answer to the publication",
					failure);
			batch.forEach((pending) -> pending.id.completeExceptionally(error));
			return;
		}
		for (int i = 0; i < batch.size(); i++) {
			String result = (i < reply.size()) ? RedisCalls.text(reply.get(i)) : "SSE_ERROR no answer";
			if (result.startsWith("SSE_")) {
				batch.get(i).id.completeExceptionally(new SseBrokerException(result));
			}
			else {
				this.state.saw(Long.parseLong(result));
				batch.get(i).id.complete(result);
			}
		}
	}

}
