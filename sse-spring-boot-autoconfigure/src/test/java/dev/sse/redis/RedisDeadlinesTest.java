package dev.sse.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.sse.spi.SseBroker;
import dev.sse.spi.SseBrokerException;
import dev.sse.test.RedisTestServer;
import dev.sse.test.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Redis that stops answering, silently (a network that drops packets) or for good, under
 * a connection factory the application made itself (no client resources of Boot's,
 * Lettuce's 60 s command timeout): every call has the broker's own deadline, the broker
 * notices by itself, and nothing that subscriptions, delivery or the gauges need waits on
 * Redis.
 */
class RedisDeadlinesTest {

	/** Far shorter than the factory's 60 s: a wait past it is the factory's, not ours. */
	private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	private RedisSseBroker broker(LettuceConnectionFactory factory, String prefix) {
		return this.brokers.broker(factory, prefix, (s) -> s.commandTimeout(COMMAND_TIMEOUT));
	}

	@Test
	void aPublicationToAHungRedisFailsAtTheBrokersDeadlineAndTheNextOnesAtOnce() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		TcpProxy link = this.brokers.add(TcpProxy.to(redis.port()));
		RedisSseBroker broker = broker(this.brokers.factory(link.port()), "hung");
		broker.publish("t", null, "before");
		link.hang();
		assertThatThrownBy(() -> broker.publish("t", null, "lost")).isInstanceOf(SseBrokerException.class)
			.hasMessageContaining("did not answer the publication within 2500 ms");
		await().atMost(Brokers.WAIT).until(() -> !broker.isAvailable());
		assertThatThrownBy(() -> broker.publish("t", null, "lost")).isInstanceOf(SseBrokerException.class)
			.hasMessageContaining("Redis is unreachable");
		assertThatThrownBy(() -> broker.subscribe(List.of("t"), null, new Brokers.Recorder()))
			.isInstanceOf(SseBrokerException.class)
			.hasMessageContaining("Redis is unreachable");
		link.resume();
		await().atMost(Brokers.WAIT).until(broker::isAvailable);
		broker.publish("t", null, "after");
	}

	@Test
	void aRedisThatStopsIsNoticedWithoutBootsClientResources() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisSseBroker broker = broker(this.brokers.factory(redis.port()), "stopped");
		broker.publish("t", null, "before");
		redis.stop();
		// No publication asked: the broker's own watch sees it.
		await().atMost(Brokers.WAIT).until(() -> !broker.isAvailable());
		assertThat(broker.unavailableReason()).isNotBlank();
		assertThatThrownBy(() -> broker.publish("t", null, "lost")).isInstanceOf(SseBrokerException.class)
			.hasMessageContaining("Redis is unreachable");
		redis.startAgain();
		await().atMost(Brokers.WAIT).until(broker::isAvailable);
		assertThat(broker.publish("t", null, "after").id()).isNotBlank();
	}

	/**
	 * Ten thousand topics, Redis hanging and flapping while the instance recovers:
	 * closing subscriptions and reading the topics gauge never wait for Redis.
	 */
	@Test
	void closingSubscriptionsAndTheTopicGaugeNeverWaitOnAHungRedis() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		TcpProxy link = this.brokers.add(TcpProxy.to(redis.port()));
		RedisSseBroker cutOff = broker(this.brokers.factory(link.port()), "flap");
		RedisSseBroker direct = broker(this.brokers.factory(redis.port()), "flap");
		List<SseBroker.Subscription> subscriptions = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			subscriptions.add(cutOff.subscribe(List.of("topic-" + i), null, new Brokers.Recorder()));
		}
		link.cut();
		for (int i = 0; i < 500; i++) {
			direct.publish("topic-" + (i % 10_000), null, "meanwhile");
		}
		// Back, and at once hung again, in the middle of the recovery.
		link.restore();
		link.hang();
		try {
			CompletableFuture<Integer> closing = CompletableFuture.supplyAsync(() -> {
				for (int i = 0; i < 5_000; i++) {
					subscriptions.get(i).close();
				}
				return cutOff.topicCount();
			});
			// Well before any Redis deadline would let a waiting call go.
			await().atMost(COMMAND_TIMEOUT.dividedBy(2)).until(closing::isDone);
			assertThat(closing.get()).isEqualTo(5_000);
		}
		finally {
			link.resume();
		}
		await().atMost(Brokers.WAIT).until(cutOff::isAvailable);
	}

	@Test
	void aRedisOlderThanTheScriptsNeedIsDownWithItsVersionNamed() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		// The real server (6.2) against a minimum above it: the check a 6.0 would fail.
		RedisSseBroker broker = this.brokers.started(
				new RedisSseBroker(this.brokers.factory(redis.port()), Brokers.settings("old", (s) -> s), "99.0.0"));
		await().atMost(Brokers.WAIT)
			.untilAsserted(() -> assertThat(broker.unavailableReason())
				.matches("Redis 6\\.2\\.[0-9]+ is older than 99\\.0\\.0, the oldest the SSE broker's scripts run on"));
		assertThat(broker.isAvailable()).isFalse();
		assertThatThrownBy(() -> broker.publish("t", null, "x")).isInstanceOf(SseBrokerException.class)
			.hasMessageContaining("is older than 99.0.0");
		assertThatThrownBy(() -> broker.subscribe(List.of("t"), null, new Brokers.Recorder()))
			.isInstanceOf(SseBrokerException.class)
			.hasMessageContaining("is older than 99.0.0");
	}

	/**
	 * A call no thread waits on (a publication's script run) ends at the broker's
	 * deadline, not the factory's 60 s: its place among the bucket's calls in flight is
	 * given back.
	 */
	@Test
	void anUnansweredAsyncCallFailsAtItsDeadlineAndAnAnsweredOneCompletes() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		TcpProxy link = this.brokers.add(TcpProxy.to(redis.port()));
		RedisCalls calls = new RedisCalls(this.brokers.factory(link.port()), Duration.ofSeconds(2));
		Buckets.Bucket bucket = Buckets.of("calls", 1).get(0);
		List<byte[]> keys = List.of(bucket.indexKey(), bucket.feedKey());
		List<byte[]> args = List.of(RedisCalls.bytes(0), RedisCalls.bytes(60_000));
		assertThat(calls.runAsync(RedisCalls.STATE, keys, args, Duration.ofSeconds(1), "the test call")
			.get(5, TimeUnit.SECONDS)).isNotNull();
		link.hang();
		try {
			CompletableFuture<?> hung = calls.runAsync(RedisCalls.STATE, keys, args, Duration.ofSeconds(1),
					"the test call");
			// Well before the factory's 60 s.
			assertThatThrownBy(() -> hung.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
				.cause()
				.isInstanceOf(SseBrokerException.class)
				.hasMessage("Redis did not answer the test call within 1000 ms");
		}
		finally {
			link.resume();
		}
	}

}
