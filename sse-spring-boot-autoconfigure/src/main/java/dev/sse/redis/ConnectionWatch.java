package dev.sse.redis;

import java.time.Duration;
import java.util.List;

import dev.sse.spi.SseBrokerException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers, watched by the broker itself (a {@code TIME} every second, with
 * a deadline), so that it does not depend on how the application built its connection
 * factory: from the first missed answer until Redis answers again, publications and new
 * subscriptions fail at once instead of waiting. On every (re)connection it checks that
 * each server is recent enough for the broker's scripts. Also measures Redis' clock,
 * which a publication's deadline is written in. Thread-safe.
 */
final class ConnectionWatch {

	private static final Logger log = LoggerFactory.getLogger(ConnectionWatch.class);

	/** XADD and XTRIM with MINID, exclusive XRANGE bounds. */
	static final String MINIMUM_VERSION = "6.2.0";

	private final RedisCalls redis;

	private final String minimumVersion;

	private volatile boolean reachable;

	private volatile @Nullable String reason = "not connected yet";

	private volatile boolean everReachable;

	/** Redis' clock minus this JVM's, in microseconds. */
	private volatile long clockOffsetMicros;

	private long versionCheckedAt;

	private final java.util.concurrent.CountDownLatch firstCheck = new java.util.concurrent.CountDownLatch(1);

	ConnectionWatch(RedisCalls redis, String minimumVersion) {
		this.redis = redis;
		this.minimumVersion = minimumVersion;
	}

	/** One round: asks Redis for its clock, and checks versions when it comes back. */
	void check() {
		try {
			checkOnce();
		}
		finally {
			this.firstCheck.countDown();
		}
	}

	/**
	 * Whether Redis answers, after the first check (waited for up to {@code wait}).
	 * @param wait how long to wait for the first check
	 * @return whether it is reachable
	 */
	boolean awaitReachable(Duration wait) {
		try {
			this.firstCheck.await(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return this.reachable;
	}

	private void checkOnce() {
		long before = System.currentTimeMillis() * 1000;
		long redisMicros;
		try {
			redisMicros = this.redis.time(Duration.ofMillis(Math.min(1000, this.redis.timeout().toMillis())));
		}
		catch (SseBrokerException ex) {
			lost(ex.getMessage());
			return;
		}
		long after = System.currentTimeMillis() * 1000;
		this.clockOffsetMicros = redisMicros - (before + after) / 2;
		if (!this.reachable || System.nanoTime() - this.versionCheckedAt > Duration.ofMinutes(1).toNanos()) {
			String tooOld;
			try {
				tooOld = tooOld(this.redis.versions());
			}
			catch (SseBrokerException ex) {
				lost(ex.getMessage());
				return;
			}
			this.versionCheckedAt = System.nanoTime();
			if (tooOld != null) {
				if (!tooOld.equals(this.reason)) {
					log.error("SSE topics: {}; publications and topic streams are refused", tooOld);
				}
				this.reachable = false;
				this.reason = tooOld;
				return;
			}
		}
		if (!this.reachable && this.everReachable) {
			log.info("SSE topics: Redis answers again");
		}
		this.reachable = true;
		this.everReachable = true;
		this.reason = null;
	}

	private @Nullable String tooOld(List<String> versions) {
		for (String version : versions) {
			if (compare(version, this.minimumVersion) < 0) {
				return "Redis " + version + " is older than " + this.minimumVersion
						+ ", the oldest the SSE broker's scripts run on";
			}
		}
		return null;
	}

	/** Compares dotted versions numerically; a part that is not a number counts as 0. */
	static int compare(String a, String b) {
		String[] x = a.split("\\.");
		String[] y = b.split("\\.");
		for (int i = 0; i < Math.max(x.length, y.length); i++) {
			int c = Integer.compare(part(x, i), part(y, i));
			if (c != 0) {
				return c;
			}
		}
		return 0;
	}

	private static int part(String[] parts, int i) {
		if (i >= parts.length) {
			return 0;
		}
		try {
			return Integer.parseInt(parts[i]);
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	/** A call found Redis gone: everyone fails fast until the next answer. */
	void lost(@Nullable String what) {
		if (this.reachable || this.reason == null) {
			log.warn("SSE topics: Redis is unreachable, publications fail until it is back: {}", what);
		}
		this.reachable = false;
		this.reason = String.valueOf(what);
	}

	boolean isReachable() {
		return this.reachable;
	}

	/**
	 * Whether Redis answered once at least (before that, callers may try it themselves).
	 */
	boolean everReachable() {
		return this.everReachable;
	}

	@Nullable String reason() {
		return this.reason;
	}

	/** This JVM's wall clock on Redis' clock, in microseconds. */
	long redisNowMicros() {
		return System.currentTimeMillis() * 1000 + this.clockOffsetMicros;
	}

}
