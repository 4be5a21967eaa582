package dev.sse.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sse.test.RedisTestServer;
import dev.sse.topics.redis.RedisSseBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.awaitility.Awaitility.await;

/** The Redis broker keeps the broker contract, against a real redis-server. */
class RedisSseBrokerTest extends AbstractSseBrokerContractTest {

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

	@Override
	protected SseBroker broker(int historySize, Duration historyTtl) {
		// A key prefix of its own: each test starts from an empty Redis.
		RedisSseBroker.Settings defaults = RedisSseBroker.Settings.of(historySize, historyTtl);
		RedisSseBroker broker = new RedisSseBroker(connections,
				new RedisSseBroker.Settings("test" + (++prefixes), historySize, historyTtl, defaults.idleExpiry(),
						defaults.commandTimeout(), defaults.readBatch(), Duration.ofMillis(500), Duration.ofMillis(100),
						defaults.maxTopics()));
		this.brokers.add(broker);
		await().atMost(Duration.ofSeconds(10)).until(broker::isAvailable);
		return broker;
	}

	@Override
	protected int manyTopics() {
		return 5_000;
	}

	@AfterEach
	void stopBrokers() throws InterruptedException {
		for (RedisSseBroker broker : this.brokers) {
			broker.destroy();
		}
	}

}
