package dev.sse.topics.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.sse.test.RedisTestServer;
import dev.sse.test.TcpProxy;
import dev.sse.topics.SseBrokerException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A call that no thread waits on (a publication's script run) ends at the broker's
 * deadline, even though the factory would hold it for 60 s: the place it takes among the
 * bucket's calls in flight is given back.
 */
class RedisCallsDeadlineTest {

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

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
