package dev.sse.redis;

import dev.sse.spi.AbstractSseBrokerContractTest;
import dev.sse.spi.SseBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.awaitility.Awaitility.await;

/**
 * The Redis broker keeps the broker contract, against a real redis-server: with one
 * bucket (a standalone Redis's default: plain ids for every subscription) and, in
 * {@link RedisBucketsBrokerTest}, with four.
 */
public class RedisSseBrokerTest extends AbstractSseBrokerContractTest {

	private static RedisTestServer redis;

	private static LettuceConnectionFactory connections;

	private final List<RedisSseBroker> brokers = new ArrayList<>();

	private static int prefixes;

	@BeforeAll
	static void startRedis() {
		redis = RedisTestServer.start();
		connections = redis.connectionFactory();
	}

	@AfterAll
	static void stopRedis() {
		connections.destroy();
		redis.close();
	}

	protected int buckets() {
		return 1;
	}

	@Override
	protected SseBroker broker(int historySize, Duration historyTtl) {
		// A key prefix of its own: each test starts from an empty Redis.
		RedisSseBroker broker = new RedisSseBroker(connections,
				new RedisBrokerSettings().keyPrefix("test" + (++prefixes))
					.buckets(buckets())
					.history(historySize, historyTtl, 0)
					.reader(1000, Duration.ofMillis(500), Duration.ofMillis(100), 20_000));
		broker.start();
		this.brokers.add(broker);
		await().atMost(Duration.ofSeconds(10)).until(broker::isAvailable);
		return broker;
	}

	@Override
	protected int manyTopics() {
		return 5_000;
	}

	@AfterEach
	void stopBrokers() {
		this.brokers.forEach(RedisSseBroker::stop);
	}

}
