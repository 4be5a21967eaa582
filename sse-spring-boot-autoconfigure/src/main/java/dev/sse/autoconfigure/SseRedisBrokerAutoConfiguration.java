package dev.sse.autoconfigure;

import dev.sse.redis.RedisBrokerSettings;
import dev.sse.redis.RedisSseBroker;
import dev.sse.spi.SseBroker;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@code sse.broker.type=redis}: topics shared by every instance through Redis, with the
 * application's {@link RedisConnectionFactory} ({@code spring.data.redis.*}). Runs before
 * {@link SseAutoConfiguration}, whose in-memory broker then backs off; a
 * {@code sseBroker} health indicator says whether Redis is reachable.
 */
@AutoConfiguration(before = SseAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnProperty(name = "sse.broker.type", havingValue = "redis")
@ConditionalOnBooleanProperty(name = "sse.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SseProperties.class)
public final class SseRedisBrokerAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedisConnectionFactory.class)
	static class RedisBrokerConfiguration {

		@Bean
		@ConditionalOnMissingBean(SseBroker.class)
		RedisSseBroker sseBroker(ObjectProvider<RedisConnectionFactory> connectionFactories, SseProperties properties) {
			RedisConnectionFactory connectionFactory = connectionFactories.getIfUnique();
			if (connectionFactory == null) {
				throw new IllegalStateException("sse.broker.type=redis needs one RedisConnectionFactory bean, and the "
						+ "application has " + (connectionFactories.stream().findAny().isPresent() ? "several" : "none")
						+ ": keep Spring Boot's Redis auto-configuration (spring.data.redis.*) or define one");
			}
			if (!(connectionFactory instanceof ReactiveRedisConnectionFactory reactive)) {
				throw new IllegalStateException("sse.broker.type=redis needs Lettuce, Spring Data Redis's default "
						+ "client (its reactive API bounds every call), and the application's RedisConnectionFactory is a "
						+ connectionFactory.getClass().getName()
						+ ": remove spring.data.redis.client-type=jedis or define a LettuceConnectionFactory");
			}
			SseProperties.Topics topics = properties.getTopics();
			SseProperties.Topics.History history = topics.getHistory();
			SseProperties.Broker.Redis redis = properties.getBroker().getRedis();
			return new RedisSseBroker(reactive,
					new RedisBrokerSettings().keyPrefix(redis.getKeyPrefix())
						.buckets(redis.getBuckets())
						.history(history.getSize(), history.getTtl(), history.getMaxBytes().toBytes())
						.idleExpiry(redis.getIdleExpiry())
						.commandTimeout(redis.getCommandTimeout())
						.replayBytes(topics.getBufferSize().toBytes())
						.maxTopics(topics.getMaxTopics()));
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(HealthIndicator.class)
		@ConditionalOnEnabledHealthIndicator("sseBroker")
		static class BrokerHealthConfiguration {

			@Bean
			@ConditionalOnMissingBean(name = "sseBrokerHealthIndicator")
			HealthIndicator sseBrokerHealthIndicator(RedisSseBroker broker) {
				return () -> broker.isAvailable() ? Health.up().withDetail("broker", "redis").build()
						: Health.down()
							.withDetail("broker", "redis")
							.withDetail("reason", String.valueOf(broker.unavailableReason()))
							.build();
			}

		}

	}

	/**
	 * Asked for Redis without Spring Data Redis: say so at startup rather than fall back
	 * quietly.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("org.springframework.data.redis.connection.RedisConnectionFactory")
	static class MissingRedisConfiguration {

		MissingRedisConfiguration() {
			throw new IllegalStateException("sse.broker.type=redis needs Spring Data Redis on the class path: add "
					+ "org.springframework.boot:spring-boot-starter-data-redis (or set sse.broker.type=memory)");
		}

	}

}
