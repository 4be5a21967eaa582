package dev.sse.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.sse.spi.SseBrokerException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's own thread for what is not on a caller's path: the connection watch every
 * second, the buckets' event counts (the history gauge) every few seconds, and, per
 * bucket about four times per idle expiry, forgetting topics idle for longer than it. Its
 * cost is per bucket, never per topic: an idle topic costs Redis nothing.
 */
final class Housekeeping {

	private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

	/** Idle topics forgotten per script call, and calls per bucket and round at most. */
	private static final int PURGE_BATCH = 100;

	private static final int PURGE_ROUNDS = 10;

	/** While a bucket does not answer, how often a cluster's topology is asked for. */
	private static final long TOPOLOGY_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(5);

	private final ConnectionWatch watch;

	private final RedisCalls redis;

	private final RedisBrokerSettings settings;

	private final List<BucketReader> readers;

	private @Nullable ScheduledExecutorService scheduler;

	/** When the buckets' keys were last kept alive, in nanoseconds. */
	private long touchedAt = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

	/** When a cluster's topology was last asked for, in nanoseconds. */
	private long topologyAskedAt = System.nanoTime() - TOPOLOGY_PERIOD_NANOS;

	private final long[] nextPurge;

	Housekeeping(ConnectionWatch watch, RedisCalls redis, RedisBrokerSettings settings, List<BucketReader> readers) {
		this.watch = watch;
		this.redis = redis;
		this.settings = settings;
		this.readers = readers;
		this.nextPurge = new long[readers.size()];
	}

	void start() {
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "sse-redis-housekeeping");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler = executor;
		executor.scheduleWithFixedDelay(this::tick, 0, 1, TimeUnit.SECONDS);
	}

	void stop() throws InterruptedException {
		ScheduledExecutorService executor = this.scheduler;
		if (executor != null) {
			executor.shutdownNow();
			executor.awaitTermination(this.redis.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
		}
	}

	private void tick() {
		try {
			followCluster();
			this.watch.check();
			if (!this.watch.isReachable()) {
				return;
			}
			long sinceTouch = System.nanoTime() - this.touchedAt;
			// Every 5 s, or more often when the keys live shorter (they live twice the
			// idle expiry): a bucket's index must never expire between two publications.
			if (sinceTouch >= Math.min(TimeUnit.SECONDS.toNanos(5), this.settings.idleExpiry().toNanos() / 2)) {
				touch();
				this.touchedAt = System.nanoTime();
			}
			long now = System.nanoTime();
			for (int b = 0; b < this.readers.size(); b++) {
				if (now - this.nextPurge[b] >= 0) {
					purge(this.readers.get(b).bucket());
					long period = Math.max(1_000_000_000L, this.settings.idleExpiry().toNanos() / 4);
					this.nextPurge[b] = now + period + ThreadLocalRandom.current().nextLong(period / 4 + 1);
				}
			}
		}
		catch (SseBrokerException ex) {
			log.debug("SSE topics housekeeping: {}", ex.getMessage());
		}
		catch (RuntimeException ex) {
			log.warn("SSE topics housekeeping failed", ex);
		}
	}

	/**
	 * While a bucket's reader has lost Redis, asks a cluster for its topology every few
	 * seconds: a failover is followed even when the client's own refresh is stuck.
	 */
	private void followCluster() {
		long now = System.nanoTime();
		if (now - this.topologyAskedAt < TOPOLOGY_PERIOD_NANOS
				|| this.readers.stream().allMatch(BucketReader::isConnected)) {
			return;
		}
		this.topologyAskedAt = now;
		try {
			this.redis.refreshClusterTopology();
		}
		catch (RuntimeException ex) {
			log.debug("SSE topics: the cluster's topology could not be asked for: {}", ex.toString());
		}
	}

	/** Keeps every bucket's index and feed alive, and counts their events. */
	private void touch() {
		byte[] lifetime = RedisCalls.bytes(this.settings.idleExpiry().toMillis() * 2);
		for (BucketReader reader : this.readers) {
			Buckets.Bucket bucket = reader.bucket();
			long events = this.redis.run(RedisCalls.TOUCH, List.of(bucket.indexKey(), bucket.feedKey()),
					List.of(lifetime), "the bucket's expiry");
			reader.state().events(Math.max(0, events));
		}
	}

	/** Forgets the bucket's topics idle for longer than the idle expiry. */
	void purge(Buckets.Bucket bucket) {
		double cutoff = this.watch.redisNowMicros() - this.settings.idleExpiry().toNanos() / 1000.0;
		for (int round = 0; round < PURGE_ROUNDS; round++) {
			List<String> members = this.redis.membersBelow(bucket.indexKey(), cutoff, PURGE_BATCH + 4);
			List<byte[]> keys = new ArrayList<>();
			List<byte[]> args = new ArrayList<>();
			keys.add(bucket.indexKey());
			args.add(RedisCalls.bytes(this.settings.idleExpiry().toNanos() / 1000));
			for (String member : members) {
				if (member.startsWith("t:")) {
					String topic = member.substring(2);
					keys.add(bucket.streamKey(topic));
					args.add(RedisCalls.bytes(topic));
				}
			}
			if (keys.size() == 1) {
				return;
			}
			long forgotten = this.redis.run(RedisCalls.PURGE, keys, args, "the purge of idle topics");
			log.debug("SSE topics: forgot {} idle topics of bucket {}", forgotten, bucket.index());
			if (members.size() < PURGE_BATCH + 4) {
				return;
			}
		}
	}

}
