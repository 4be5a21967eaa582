package dev.sse.autoconfigure;

import java.util.concurrent.Executor;

import dev.sse.SseCallback;
import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.internal.stream.JacksonDataConverter;
import dev.sse.spi.DataConverter;
import dev.sse.spi.SseStreams;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SseAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SseAutoConfiguration.class));

	@Test
	void offersTheServiceTheExecutorAndTheInterceptor() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(SseService.class);
			assertThat(context).getBean(SseService.class).isInstanceOf(DefaultSseService.class);
			// The operator's view is the same bean, and the shutdown ends its streams.
			assertThat(context.getBean(SseStreams.class)).isSameAs(context.getBean(SseService.class));
			assertThat(context).hasSingleBean(SseShutdownListener.class);
			assertThat(context).hasBean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME);
			// Platform threads (no spring.threads.virtual.enabled): a pool that reuses
			// them, bounded by sse.executor.max-concurrency, refusing past it.
			assertThat(context.getBean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME)).isInstanceOfSatisfying(
					PlatformCallbackExecutor.class, (pool) -> assertThat(pool.maxThreads()).isEqualTo(200));
			assertThat(context).hasSingleBean(WebMvcConfigurer.class);
		});
	}

	@Test
	void bootsTaskExecutorStaysAndByTypeInjectionFindsItAloneWhateverTheOrder() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SseAutoConfiguration.class, JacksonAutoConfiguration.class,
					TaskExecutionAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasBean("applicationTaskExecutor").hasBean("sseTaskExecutor");
				Object boots = context.getBean("applicationTaskExecutor");
				assertThat(context.getBeanProvider(TaskExecutor.class).getIfUnique()).isSameAs(boots);
				assertThat(context.getBeanProvider(Executor.class).getIfUnique()).isSameAs(boots);
				assertThat(context.getBean(TaskExecutor.class)).isSameAs(boots);
			});
	}

	@Test
	void theStartersOwnPoolsAreBeansButNeverCandidatesForInjection() {
		this.runner.run((context) -> {
			assertThat(context).hasBean("sseHousekeepingScheduler")
				.hasBean("sseWriterExecutor")
				.hasBean("sseBlockingIoExecutor");
			// Without Boot's task execution there is no default candidate at all: none of
			// ours is one.
			assertThat(context.getBeanProvider(TaskExecutor.class).getIfUnique()).isNull();
			assertThat(context.getBeanProvider(Executor.class).getIfUnique()).isNull();
		});
	}

	@Test
	void sseEnabledFalseTurnsTheWholeStarterOff() {
		this.runner.withPropertyValues("sse.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(SseService.class)
				.doesNotHaveBean("sseTaskExecutor")
				.doesNotHaveBean(WebMvcConfigurer.class)
				.doesNotHaveBean("sseWriterExecutor");
		});
	}

	@Test
	void withoutJacksonDataMustBeTextAndTheServiceStillStarts() {
		this.runner.withClassLoader(new FilteredClassLoader("tools.jackson")).run((context) -> {
			assertThat(context).hasSingleBean(SseService.class).hasSingleBean(DataConverter.class);
			DataConverter converter = context.getBean(DataConverter.class);
			assertThat(converter).isNotInstanceOf(JacksonDataConverter.class);
			assertThat(converter.toText(42)).isEqualTo("42");
			assertThatIllegalArgumentException().isThrownBy(() -> converter.toText(java.util.Map.of("k", 1)))
				.withMessageContaining("no Jackson 3 JsonMapper");
		});
	}

	@Test
	void withoutSpringSecurityOrContextPropagationAsyncCallbacksStillGetTheMdc() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.security", "io.micrometer.context"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				TaskExecutor executor = context.getBean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME,
						TaskExecutor.class);
				java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
				org.slf4j.MDC.put("requestId", "r-7");
				try {
					executor.execute(() -> seen.complete(org.slf4j.MDC.get("requestId")));
				}
				finally {
					org.slf4j.MDC.remove("requestId");
				}
				assertThat(seen.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("r-7");
			});
	}

	@Test
	void backsOffForTheApplicationsOwnService() {
		this.runner.withUserConfiguration(OwnService.class).run((context) -> {
			assertThat(context).hasSingleBean(SseService.class);
			assertThat(context).doesNotHaveBean(DefaultSseService.class);
			assertThat(context).doesNotHaveBean(SseStreams.class).doesNotHaveBean(SseShutdownListener.class);
		});
	}

	@Test
	void usesTheApplicationsOwnExecutorOfThatName() {
		this.runner.withUserConfiguration(OwnExecutor.class).run((context) -> {
			assertThat(context.getBean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME))
				.isInstanceOf(SyncTaskExecutor.class);
			assertThat(context).hasSingleBean(DefaultSseService.class);
		});
	}

	@Test
	void doesNothingOutsideAServletWebApplication() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SseAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(SseService.class));
	}

	@Test
	void aNegativeDurationFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("sse.timeout=-5s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("sse.timeout")
				.hasMessageContaining("zero or positive");
			assertThat(messages(context.getStartupFailure())).contains("Failed to bind properties under 'sse'")
				.contains("sse.timeout must be zero or positive");
		});
	}

	@Test
	void everyBadPropertyFailsStartupNamingIt() {
		for (String bad : new String[] { "sse.keep-alive-interval=-1s", "sse.retry=-1ms",
				"sse.disconnect-detection-interval=-1s", "sse.chunk-size=10B", "sse.executor.max-concurrency=0",
				"sse.executor.retry-after=-1s", "sse.error.event-name=", "sse.timeout=-1s", "sse.shutdown-retry=-1s",
				"sse.max-connections=-1", "sse.max-connections-per-client=-1", "sse.max-sync-streams=-1",
				"sse.slow-client.stall-timeout=0s", "sse.slow-client.buffer-size=1000B",
				"sse.slow-client.send-timeout=0s", "sse.topics.buffer-size=1000B", "sse.topics.reset-event=",
				"sse.topics.max-topics=0", "sse.topics.max-name-length=0", "sse.topics.max-per-stream=0",
				"sse.topics.history.size=-1", "sse.topics.history.max-bytes=-1B", "sse.topics.history.ttl=-1s",
				"sse.metrics.max-uri-tags=0", "sse.broker.redis.key-prefix={x}", "sse.broker.redis.buckets=16385",
				"sse.broker.redis.idle-expiry=0s", "sse.broker.redis.command-timeout=0s" }) {
			String name = bad.substring(0, bad.indexOf('='));
			this.runner.withPropertyValues(bad).run((context) -> {
				assertThat(context).as(bad).hasFailed();
				assertThat(context.getStartupFailure()).as(bad).rootCause().hasMessageContaining(name);
			});
		}
	}

	@Test
	void severalBadPropertiesAreReportedTogether() {
		this.runner.withPropertyValues("sse.timeout=-1s", "sse.topics.max-per-stream=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("sse.timeout must be zero or positive, was PT-1S")
				.hasMessageContaining("sse.topics.max-per-stream must be at least 1, was 0");
		});
	}

	@Test
	void propertiesBecomeTheDefaultOptions() {
		this.runner
			.withPropertyValues("sse.async=true", "sse.retry=2s", "sse.keep-alive-interval=15s", "sse.timeout=10m",
					"sse.cors=https://a.example")
			.run((context) -> {
				SseProperties properties = context.getBean(SseProperties.class);
				assertThat(SseSettings.options(properties)).isEqualTo(SseOptions.defaults()
					.async(true)
					.retry(java.time.Duration.ofSeconds(2))
					.keepAliveInterval(java.time.Duration.ofSeconds(15))
					.timeout(java.time.Duration.ofMinutes(10))
					.cors("https://a.example"));
			});
	}

	private static String messages(Throwable failure) {
		StringBuilder all = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnService {

		@Bean
		SseService mySse() {
			return new SseService() {
				@Override
				public SseEmitter stream(SseCallback callback) {
					return new SseEmitter();
				}

				@Override
				public SseEmitter stream(SseOptions options, SseCallback callback) {
					return new SseEmitter();
				}

				@Override
				public String publish(String topic, Object data) {
					return "1";
				}

				@Override
				public String publish(String topic, Object data, String event) {
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
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnExecutor {

		@Bean
		TaskExecutor sseTaskExecutor() {
			return new SyncTaskExecutor();
		}

	}

}
