package dev.sse.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import dev.sse.internal.topics.InMemorySseBroker;
import dev.sse.redis.RedisSseBroker;
import dev.sse.spi.SseBroker;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sse.broker.type=redis}: the Redis broker on the application's connection
 * factory, its settings from the properties, and a startup failure that says what is
 * missing. (No Redis runs here: the broker connects in the background and retries.)
 */
class SseRedisBrokerAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, DataRedisAutoConfiguration.class,
				SseRedisBrokerAutoConfiguration.class, SseAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + freePort());

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Test
	void theMemoryBrokerUnlessRedisIsAskedFor() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(SseBroker.class);
			assertThat(context).getBean(SseBroker.class).isInstanceOf(InMemorySseBroker.class);
		});
	}

	@Test
	void theRedisBrokerOnTheApplicationsFactoryWithOneBucketOnAStandaloneRedis() {
		this.runner.withPropertyValues("sse.broker.type=redis").run((context) -> {
			assertThat(context).hasSingleBean(SseBroker.class);
			assertThat(context).getBean(SseBroker.class).isInstanceOf(RedisSseBroker.class);
			assertThat(context.getBean(RedisSseBroker.class).bucketCount()).isEqualTo(1);
			assertThat(context.getBean(RedisSseBroker.class).isRunning()).isTrue();
			assertThat(context).hasBean("sseBrokerHealthIndicator");
		});
	}

	@Test
	void bucketsFromTheProperty() {
		this.runner.withPropertyValues("sse.broker.type=redis", "sse.broker.redis.buckets=8")
			.run((context) -> assertThat(context.getBean(RedisSseBroker.class).bucketCount()).isEqualTo(8));
	}

	@Test
	void badRedisPropertiesFailStartupNamingThem() {
		for (String bad : new String[] { "sse.broker.redis.buckets=-1", "sse.broker.redis.buckets=20000",
				"sse.broker.redis.key-prefix={x}", "sse.broker.redis.command-timeout=0s",
				"sse.broker.redis.idle-expiry=-1s" }) {
			String name = bad.substring(0, bad.indexOf('='));
			this.runner.withPropertyValues("sse.broker.type=redis", bad).run((context) -> {
				assertThat(context).as(bad).hasFailed();
				assertThat(context.getStartupFailure()).as(bad).rootCause().hasMessageContaining(name);
			});
		}
	}

	@Test
	void anApplicationOnJedisIsToldTheBrokerNeedsLettuce() {
		this.runner.withPropertyValues("sse.broker.type=redis", "spring.data.redis.client-type=jedis")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("sse.broker.type=redis needs Lettuce")
					.hasMessageContaining("JedisConnectionFactory");
			});
	}

	@Test
	void withoutSpringDataRedisStartupSaysWhatToAdd() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
					SseRedisBrokerAutoConfiguration.class, SseAutoConfiguration.class))
			.withPropertyValues("sse.broker.type=redis")
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("spring-boot-starter-data-redis");
			});
	}

}
