package dev.sse.redis;

import dev.sse.spi.AbstractSseBrokerContractTest;
import dev.sse.spi.SseBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sse.test.RedisTestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker contract on a real three-master Redis Cluster: topics spread over eight
 * buckets (the default on a cluster), each on one slot, no command across slots.
 */
class RedisClusterBrokerTest extends AbstractSseBrokerContractTest {

	private static RedisTestCluster cluster;

	private static LettuceConnectionFactory connections;

	private final List<RedisSseBroker> brokers = new ArrayList<>();

	private static int prefixes;

	@BeforeAll
	static void startCluster() {
		cluster = RedisTestCluster.start();
		connections = cluster.connectionFactory();
	}

	@AfterAll
	static void stopCluster() {
		connections.destroy();
		cluster.close();
	}

	@Override
	protected SseBroker broker(int historySize, Duration historyTtl) {
		RedisSseBroker broker = new RedisSseBroker(connections,
				new RedisBrokerSettings().keyPrefix("cluster" + (++prefixes))
					.history(historySize, historyTtl, 0)
					.reader(1000, Duration.ofMillis(500), Duration.ofMillis(100), 20_000));
		broker.start();
		this.brokers.add(broker);
		await().atMost(Duration.ofSeconds(30)).until(broker::isAvailable);
		assertThat(broker.bucketCount()).isEqualTo(8);
		return broker;
	}

	@Override
	protected int manyTopics() {
		return 2_000;
	}

	@AfterEach
	void stopBrokers() {
		this.brokers.forEach(RedisSseBroker::stop);
	}

}
