package dev.sse.autoconfigure;

import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sse.internal.metrics.SseMetrics;
import dev.sse.internal.metrics.SseServiceMeters;
import dev.sse.internal.metrics.SseStreamObservationFilter;
import dev.sse.redis.RedisSseBroker;
import dev.sse.spi.SseStreams;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The {@code sse.*} Micrometer meters, when the application has a {@link MeterRegistry}
 * (with or without Actuator); and, unless turned off, SSE streams kept out of
 * {@code http.server.requests}.
 */
@AutoConfiguration(after = SseAutoConfiguration.class, afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ MeterRegistry.class, SseEmitter.class })
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "sse.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SseProperties.class)
public final class SseMetricsAutoConfiguration {

	private static final Logger log = LoggerFactory.getLogger(SseMetricsAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	SseMetrics sseMetrics(MeterRegistry registry) {
		return new SseMetrics(registry);
	}

	@Bean
	@ConditionalOnBean(SseStreams.class)
	SseServiceMeters sseServiceMeters(SseStreams service, SseProperties properties, Environment environment,
			@Qualifier("sseThreads") SseSettings.Threads threads) {
		int sync = SseSettings.maxSyncStreams(properties, environment);
		return new SseServiceMeters(service, threads.maxConcurrency(), (sync > 0) ? sync : null);
	}

	/**
	 * Spring Boot measures the pools that are Spring executors; the writers are a plain
	 * pool, measured the same way.
	 */
	@Bean
	@ConditionalOnBean(name = "sseWriterExecutor")
	MeterBinder sseWriterExecutorMetrics(@Qualifier("sseWriterExecutor") ThreadPoolExecutor writers) {
		return (registry) -> ExecutorServiceMetrics.monitor(registry, writers, "sseWriterExecutor");
	}

	@Bean
	MeterFilter sseUriTagsFilter(SseProperties properties) {
		int max = properties.getMetrics().getMaxUriTags();
		AtomicBoolean warned = new AtomicBoolean();
		return MeterFilter.maximumAllowableTags("sse.", "uri", max, MeterFilter.deny((id) -> {
			if (warned.compareAndSet(false, true)) {
				log.warn("Reached the maximum of {} uri tags on sse.* meters (sse.metrics.max-uri-tags): "
						+ "new routes are no longer measured", max);
			}
			return true;
		}));
	}

	/**
	 * The Redis broker: whether it reaches Redis ({@code sse.broker.available}, 1 or 0)
	 * and the publications it could not make ({@code sse.broker.publish.failures}).
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.data.redis.connection.RedisConnectionFactory")
	static class RedisBrokerMetricsConfiguration {

		@Bean
		@ConditionalOnBean(RedisSseBroker.class)
		MeterBinder sseRedisBrokerMetrics(RedisSseBroker broker) {
			return (registry) -> {
				Gauge.builder("sse.broker.available", broker, (b) -> b.isAvailable() ? 1 : 0)
					.description("Whether the topics' broker reaches Redis (1) or not (0)")
					.tag("broker", "redis")
					.register(registry);
				FunctionCounter.builder("sse.broker.publish.failures", broker, RedisSseBroker::publishFailures)
					.description("Publications the broker could not make")
					.tag("broker", "redis")
					.register(registry);
			};
		}

	}

	/**
	 * A stream is one HTTP request that lasts as long as the stream: in
	 * {@code http.server.requests} it would drag every latency percentile of its route to
	 * minutes. Its request is marked, and the marked timer dropped;
	 * {@code sse.connections.*} measures streams instead.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "io.micrometer.observation.ObservationFilter",
			"org.springframework.http.server.observation.ServerRequestObservationContext" })
	@ConditionalOnBooleanProperty(name = "sse.metrics.exclude-from-http-server-requests", matchIfMissing = true)
	static class HttpServerRequestsConfiguration {

		@Bean
		SseStreamObservationFilter sseStreamObservationFilter() {
			return new SseStreamObservationFilter();
		}

		@Bean
		MeterFilter sseStreamsOutOfHttpServerRequests() {
			return SseStreamObservationFilter.EXCLUDE;
		}

	}

}
