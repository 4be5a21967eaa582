package dev.sse.test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Named one-shot values that test endpoints and tests hand each other: a callback
 * completes "x" when something happened on the server, the test awaits it (and the other
 * way round).
 */
public final class Signals {

	private final Map<String, CompletableFuture<Object>> values = new ConcurrentHashMap<>();

	private final Map<String, java.util.concurrent.atomic.AtomicInteger> counters = new ConcurrentHashMap<>();

	public CompletableFuture<Object> of(String name) {
		return this.values.computeIfAbsent(name, (k) -> new CompletableFuture<>());
	}

	public void fire(String name, Object value) {
		of(name).complete(value);
	}

	public void fire(String name) {
		fire(name, Boolean.TRUE);
	}

	@SuppressWarnings("unchecked")
	public <T> T await(String name, Duration timeout) {
		try {
			return (T) of(name).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			throw new AssertionError("Signal '" + name + "' not fired within " + timeout, ex);
		}
	}

	public boolean fired(String name) {
		return of(name).isDone();
	}

	/** A counter, shared by name. */
	public java.util.concurrent.atomic.AtomicInteger counter(String name) {
		return this.counters.computeIfAbsent(name, (k) -> new java.util.concurrent.atomic.AtomicInteger());
	}

	public void reset() {
		this.values.clear();
		this.counters.clear();
	}

}
