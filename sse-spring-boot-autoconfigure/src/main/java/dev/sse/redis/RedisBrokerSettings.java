package dev.sse.redis;

import java.time.Duration;

/**
 * The settings of a {@link RedisSseBroker}, by name; every one has a default. Not
 * thread-safe: set them before the broker is made.
 */
public final class RedisBrokerSettings {

	private String keyPrefix = "sse";

	private int buckets;

	private int historySize = 1000;

	private Duration historyTtl = Duration.ofMinutes(5);

	private long historyBytes = 4L << 20;

	private Duration idleExpiry = Duration.ofHours(1);

	private Duration commandTimeout = Duration.ofSeconds(2);

	private long replayBytes = 16L << 20;

	private int maxTopics = 10_000;

	private int readBatch = 1000;

	private Duration blockTimeout = Duration.ofSeconds(2);

	private Duration retryDelay = Duration.ofMillis(500);

	private int feedLength = 20_000;

	/**
	 * What every key starts with (inside each bucket's hash tag); instances share topics
	 * when they share it.
	 * @param keyPrefix non-empty, without braces
	 * @return these settings
	 */
	public RedisBrokerSettings keyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
		return this;
	}

	/**
	 * Buckets topics hash into; 0 picks 1 on a standalone Redis, 8 on a Cluster. Every
	 * instance must use the same: a change is a new key layout.
	 * @param buckets zero or more
	 * @return these settings
	 */
	public RedisBrokerSettings buckets(int buckets) {
		this.buckets = buckets;
		return this;
	}

	/**
	 * The history kept per topic for replay.
	 * @param size most events (0 replays none)
	 * @param ttl how long an event is kept (zero: no bound)
	 * @param maxBytes most bytes on the wire (0: no bound)
	 * @return these settings
	 */
	public RedisBrokerSettings history(int size, Duration ttl, long maxBytes) {
		this.historySize = size;
		this.historyTtl = ttl;
		this.historyBytes = maxBytes;
		return this;
	}

	/**
	 * @param idleExpiry how long an idle topic's history stays in Redis
	 * @return these settings
	 */
	public RedisBrokerSettings idleExpiry(Duration idleExpiry) {
		this.idleExpiry = idleExpiry;
		return this;
	}

	/**
	 * @param commandTimeout the deadline of every Redis call
	 * @return these settings
	 */
	public RedisBrokerSettings commandTimeout(Duration commandTimeout) {
		this.commandTimeout = commandTimeout;
		return this;
	}

	/**
	 * @param replayBytes the largest replay a subscriber takes (its buffer); a larger one
	 * is a reset
	 * @return these settings
	 */
	public RedisBrokerSettings replayBytes(long replayBytes) {
		this.replayBytes = replayBytes;
		return this;
	}

	/**
	 * @param maxTopics the most topics with subscribers in this instance
	 * @return these settings
	 */
	public RedisBrokerSettings maxTopics(int maxTopics) {
		this.maxTopics = maxTopics;
		return this;
	}

	/**
	 * How a reader follows its bucket's feed.
	 * @param readBatch the most feed entries per read
	 * @param blockTimeout how long one read waits for entries
	 * @param retryDelay how long before trying a lost Redis again
	 * @param feedLength about how many entries a bucket's feed keeps (a reader further
	 * behind resets the subscribers of topics that changed meanwhile)
	 * @return these settings
	 */
	public RedisBrokerSettings reader(int readBatch, Duration blockTimeout, Duration retryDelay, int feedLength) {
		this.readBatch = readBatch;
		this.blockTimeout = blockTimeout;
		this.retryDelay = retryDelay;
		this.feedLength = feedLength;
		return this;
	}

	void validate() {
		check(!this.keyPrefix.isEmpty() && !this.keyPrefix.contains("{") && !this.keyPrefix.contains("}"),
				"keyPrefix must be non-empty without braces, was \"" + this.keyPrefix + "\"");
		check(this.buckets >= 0 && this.buckets <= 16384, "buckets must be 0 to 16384, was " + this.buckets);
		check(this.historySize >= 0 && !this.historyTtl.isNegative() && this.historyBytes >= 0,
				"history size, ttl and bytes must not be negative");
		check(this.idleExpiry.toMillis() >= 1 && this.commandTimeout.toMillis() >= 1
				&& this.blockTimeout.toMillis() >= 1 && this.retryDelay.toMillis() >= 1,
				"durations must be at least 1 ms");
		check(this.replayBytes >= 1 && this.maxTopics >= 1 && this.readBatch >= 1 && this.feedLength >= 1,
				"replayBytes, maxTopics, readBatch and feedLength must be positive");
	}

	private static void check(boolean ok, String message) {
		if (!ok) {
			throw new IllegalArgumentException("Invalid Redis broker settings: " + message);
		}
	}

	String keyPrefix() {
		return this.keyPrefix;
	}

	int buckets() {
		return this.buckets;
	}

	int historySize() {
		return this.historySize;
	}

	Duration historyTtl() {
		return this.historyTtl;
	}

	long historyBytes() {
		return this.historyBytes;
	}

	Duration idleExpiry() {
		return this.idleExpiry;
	}

	Duration commandTimeout() {
		return this.commandTimeout;
	}

	long replayBytes() {
		return this.replayBytes;
	}

	int maxTopics() {
		return this.maxTopics;
	}

	int readBatch() {
		return this.readBatch;
	}

	Duration blockTimeout() {
		return this.blockTimeout;
	}

	Duration retryDelay() {
		return this.retryDelay;
	}

	int feedLength() {
		return this.feedLength;
	}

}
