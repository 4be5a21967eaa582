package dev.sse.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sse.spi.SseBrokerException;
import dev.sse.test.RedisTestCluster;
import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.ClusterSlotHashUtil;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two instances on a real three-master Redis Cluster with a replica per master: the work
 * spreads over the three masters, and when a master dies its replica takes over, the
 * instances follow it (whether or not the application's client refreshes the cluster's
 * topology by itself), and a client whose id the new primary does not hold is told to
 * reset.
 */
class RedisClusterTest {

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	private RedisSseBroker broker(LettuceConnectionFactory factory) {
		RedisSseBroker broker = this.brokers.started(new RedisSseBroker(factory,
				Brokers.settings("spread", (s) -> s.commandTimeout(Duration.ofSeconds(2)))));
		await().atMost(Brokers.WAIT).until(broker::isAvailable);
		return broker;
	}

	@Test
	void bucketsSpreadOverTheMastersAndEachCommandStaysOnOneSlot() throws Exception {
		RedisTestCluster cluster = this.brokers.add(RedisTestCluster.start());
		RedisSseBroker a = broker(factory(cluster));
		RedisSseBroker b = broker(factory(cluster));
		Buckets buckets = Buckets.of("spread", a.bucketCount());
		int[] perMaster = new int[3];
		for (int i = 0; i < buckets.count(); i++) {
			perMaster[ClusterSlotHashUtil.calculateSlot(buckets.get(i).tag()) * 3 / 16384]++;
		}
		// The cluster default (8 buckets) in equal slot ranges: 2 or 3 on each of three
		// equal masters.
		assertThat(buckets.count()).isEqualTo(8);
		assertThat(java.util.Arrays.stream(perMaster).boxed().toList())
			.allSatisfy((n) -> assertThat(n).isBetween(2, 3));
		List<Brokers.Recorder> recorders = new ArrayList<>();
		for (int t = 0; t < 100; t++) {
			Brokers.Recorder recorder = new Brokers.Recorder();
			recorders.add(recorder);
			b.subscribe(List.of("topic-" + t), null, recorder);
		}
		for (int i = 0; i < 1000; i++) {
			a.publish("topic-" + (i % 100), null, "e" + i);
		}
		await().atMost(Brokers.WAIT).until(() -> recorders.stream().allMatch((r) -> r.seen.size() == 10));
		for (RedisTestServer master : cluster.masters()) {
			Map<String, Long> calls = RedisTestCluster.commandCalls(master);
			// Every master ran publications and fed readers.
			assertThat(calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L)).isGreaterThan(100);
			assertThat(calls.getOrDefault("xread", 0L)).isPositive();
		}
	}

	@Test
	void aFailedMastersReplicaTakesOverAndTheInstancesFollowIt() throws Exception {
		RedisTestCluster cluster = this.brokers.add(RedisTestCluster.start());
		// One instance whose client refreshes the topology itself (Lettuce's refresh can
		// stay stuck after a master dies), one whose client never does.
		RedisSseBroker a = broker(factory(cluster));
		LettuceConnectionFactory plain = cluster.connectionFactoryWithoutRefresh();
		this.brokers.add(plain::destroy);
		RedisSseBroker b = broker(plain);
		Buckets buckets = Buckets.of("spread", a.bucketCount());
		// A topic on the master that will fail.
		RedisTestServer doomed = cluster.masters().get(0);
		String topic = null;
		for (int t = 0; topic == null; t++) {
			if (cluster.masterOf(ClusterSlotHashUtil.calculateSlot(buckets.of("t" + t).tag())) == doomed) {
				topic = "t" + t;
			}
		}
		String onDoomed = topic;
		Brokers.Recorder live = new Brokers.Recorder();
		b.subscribe(List.of(onDoomed), null, live);
		a.publish(onDoomed, null, "before");
		await().atMost(Brokers.WAIT).until(() -> live.seen.contains("before"));
		String replicated = live.lastId();
		// Written to the replica before the master goes.
		RedisTestServer replica = cluster.replicaOf(doomed);
		await().atMost(Brokers.WAIT)
			.until(() -> RedisTestCluster.call(replica, (c) -> c.info("replication"))
				.contains("master_link_status:up"));
		// The master hangs, then crashes. A publication sent to it meanwhile is held by
		// Lettuce for that node (60 s, the factory's timeout): the broker gives up at its
		// own deadline, and the bucket's next publications are not queued behind it.
		doomed.freeze();
		try {
			assertThatThrownBy(() -> a.publish(onDoomed, null, "lost")).isInstanceOf(SseBrokerException.class)
				.hasMessageContaining("did not answer the publication within 2500 ms");
		}
		finally {
			// A frozen process ignores the SIGTERM of a plain stop.
			doomed.crash();
		}
		await().atMost(Duration.ofSeconds(60))
			.until(() -> RedisTestCluster.call(replica, (c) -> c.info("replication")).contains("role:master"));
		await().atMost(Duration.ofSeconds(30)).ignoreException(SseBrokerException.class).untilAsserted(() -> {
			a.publish(onDoomed, null, "after");
			assertThat(live.seen).contains("after");
		});
		// Both instances follow the new primary (a stream asked for meanwhile gets 503).
		await().atMost(Duration.ofSeconds(60)).until(() -> a.isAvailable() && b.isAvailable());
		// A client resuming from before the failover, on either instance: exactly what
		// came after its id (or, if the new primary lost events, a reset).
		Brokers.Recorder resumed = new Brokers.Recorder();
		a.subscribe(List.of(onDoomed), replicated, resumed).close();
		assertThat(resumed.seen).isNotEmpty().doesNotContain("before");
		assertThat(resumed.seen).last().isEqualTo("after");
		// An id above what the new primary holds (acknowledged by the dead master, never
		// replicated) is a reset, never a silent skip.
		Brokers.Recorder ahead = new Brokers.Recorder();
		String future = Long.toString(Long.parseLong(resumed.lastId()) + 60_000_000L);
		b.subscribe(List.of(onDoomed), future, ahead).close();
		assertThat(ahead.seen).containsExactly("RESET");
	}

	private LettuceConnectionFactory factory(RedisTestCluster cluster) {
		LettuceConnectionFactory factory = cluster.connectionFactory();
		this.brokers.add(factory::destroy);
		return factory;
	}

}
