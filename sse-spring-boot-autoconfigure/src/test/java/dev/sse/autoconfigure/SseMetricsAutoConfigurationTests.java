package dev.sse.autoconfigure;

import java.util.Properties;

import dev.sse.SseCallback;
import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.metrics.SseServiceMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SseMetricsAutoConfiguration}: the meters when the application has a
 * {@link MeterRegistry}, their limits as the properties and the threads' choice say, and
 * nothing (without failing) when Micrometer, a registry or the starter's service is
 * missing.
 */
class SseMetricsAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SseAutoConfiguration.class,
				SseMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void withARegistryTheStreamAndServiceMetersAreThere() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed()
				.hasBean("sseMetrics")
				.hasSingleBean(SseServiceMeters.class)
				.hasBean("sseWriterExecutorMetrics")
				.hasBean("sseUriTagsFilter");
			MeterRegistry registry = bound(context.getBean(SseServiceMeters.class));
			// Platform threads by default: 200 async callbacks; sync: half of the
			// container's 200 request threads.
			assertThat(limit(registry, "async")).isEqualTo(200);
			assertThat(limit(registry, "sync")).isEqualTo(100);
			assertThat(registry.get("sse.topics").gauge().value()).isZero();
		});
	}

	@Test
	void theLimitGaugesFollowTheProperties() {
		this.runner.withPropertyValues("sse.executor.max-concurrency=7", "server.tomcat.threads.max=50")
			.run((context) -> {
				MeterRegistry registry = bound(context.getBean(SseServiceMeters.class));
				assertThat(limit(registry, "async")).isEqualTo(7);
				assertThat(limit(registry, "sync")).isEqualTo(25);
			});
		this.runner.withPropertyValues("sse.max-sync-streams=0").run((context) -> {
			MeterRegistry registry = bound(context.getBean(SseServiceMeters.class));
			// No sync limit: no gauge claims one.
			assertThat(registry.find("sse.callbacks.limit").tag("mode", "sync").gauge()).isNull();
		});
	}

	@Test
	void theUriTagsAreCappedBySseMetricsMaxUriTags() {
		this.runner.withPropertyValues("sse.metrics.max-uri-tags=2").run((context) -> {
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			registry.config().meterFilter(context.getBean("sseUriTagsFilter", MeterFilter.class));
			for (String uri : new String[] { "/a", "/b", "/c" }) {
				registry.counter("sse.events.sent", "uri", uri).increment();
			}
			assertThat(registry.find("sse.events.sent").counters()).hasSize(2);
		});
	}

	@Test
	void withoutARegistryThereAreNoMeters() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SseAutoConfiguration.class,
					SseMetricsAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SseService.class)
				.doesNotHaveBean("sseMetrics")
				.doesNotHaveBean(SseServiceMeters.class));
	}

	@Test
	void withoutMicrometerThereAreNoMetersAndNothingFails() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SseService.class)
				.doesNotHaveBean("sseMetrics"));
	}

	@Test
	void withoutSpringDataRedisTheBrokerMetersAreLeftOutAndNothingFails() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasBean("sseMetrics")
				.doesNotHaveBean("sseRedisBrokerMetrics"));
	}

	@Test
	void anApplicationsOwnServiceKeepsTheStreamMetersButHasNoServiceMeters() {
		this.runner.withBean(SseService.class, OwnService::new)
			.run((context) -> assertThat(context).hasNotFailed()
				.hasBean("sseMetrics")
				.doesNotHaveBean(SseServiceMeters.class));
	}

	@Test
	void anApplicationWithoutMicrometerSkipsItBeforeLoadingIt() throws Exception {
		// Spring Boot reads this metadata to skip an auto-configuration whose classes are
		// missing without loading it.
		Properties metadata = new Properties();
		try (var in = getClass().getResourceAsStream("/META-INF/spring-autoconfigure-metadata.properties")) {
			assertThat(in).isNotNull();
			metadata.load(in);
		}
		assertThat(metadata.getProperty("dev.sse.autoconfigure.SseMetricsAutoConfiguration.ConditionalOnClass"))
			.contains("io.micrometer.core.instrument.MeterRegistry");
	}

	private static MeterRegistry bound(SseServiceMeters meters) {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		meters.bindTo(registry);
		return registry;
	}

	private static @Nullable Double limit(MeterRegistry registry, String mode) {
		var gauge = registry.find("sse.callbacks.limit").tag("mode", mode).gauge();
		return (gauge != null) ? gauge.value() : null;
	}

	/** An application's own service: not the operator's view, so no service meters. */
	static final class OwnService implements SseService {

		@Override
		public SseEmitter stream(SseCallback callback) {
			return new SseEmitter();
		}

		@Override
		public SseEmitter stream(SseOptions options, SseCallback callback) {
			return new SseEmitter();
		}

		@Override
		public String publish(String topic, @Nullable Object data) {
			return "1";
		}

		@Override
		public String publish(String topic, @Nullable Object data, @Nullable String event) {
			return "1";
		}

		@Override
		public SseEmitter subscribe(String... topics) {
			return new SseEmitter();
		}

		@Override
		public SseEmitter subscribe(SseOptions options, String... topics) {
			return new SseEmitter();
		}

	}

}
