package dev.sse.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.internal.stream.JacksonDataConverter;
import dev.sse.internal.stream.SseStreamInterceptor;
import dev.sse.internal.stream.StreamExecutors;
import dev.sse.internal.topics.InMemorySseBroker;
import dev.sse.spi.DataConverter;
import dev.sse.spi.SseBroker;
import dev.sse.spi.SseStreams;
import dev.sse.spi.StreamListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.support.CompositeTaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Auto-configures {@link SseService} for Spring MVC applications: the service, the
 * executor of async callbacks ({@code sseTaskExecutor}), the starter's own thread pools,
 * the JSON conversion of event data through the application's Jackson mapper, and the
 * interceptor that opens streams.
 *
 * <p>
 * Changes nothing else in the application: every executor it defines is left out of
 * injection by type ({@code defaultCandidate = false}), so Spring Boot still creates its
 * {@code applicationTaskExecutor} for {@code @Async} and Spring MVC, and an application
 * that injects an {@code Executor} finds the one it had. {@code sse.enabled=false} turns
 * it all off.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
		"org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(SseEmitter.class)
@ConditionalOnBooleanProperty(name = "sse.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SseProperties.class)
public final class SseAutoConfiguration {

	private static final Logger log = LoggerFactory.getLogger(SseAutoConfiguration.class);

	/**
	 * The name of the executor bean that runs async callbacks; define a bean of this name
	 * to replace it.
	 */
	public static final String TASK_EXECUTOR_BEAN_NAME = "sseTaskExecutor";

	@Bean
	@ConditionalOnMissingBean(SseService.class)
	DefaultSseService sseService(SseProperties properties, DataConverter sseDataConverter,
			@Qualifier(TASK_EXECUTOR_BEAN_NAME) TaskExecutor sseTaskExecutor, ObjectProvider<StreamListener> listeners,
			SseBroker sseBroker, @Qualifier("sseHousekeepingScheduler") ThreadPoolTaskScheduler housekeeping,
			@Qualifier("sseWriterExecutor") ThreadPoolExecutor writers,
			@Qualifier("sseBlockingIoExecutor") TaskExecutor blockingIo, Environment environment) {
		StreamExecutors executors = StreamExecutors.of(housekeeping.getScheduledExecutor(), writers, blockingIo);
		DefaultSseService service = new DefaultSseService(SseSettings.stream(properties), sseDataConverter,
				sseTaskExecutor, listeners.orderedStream().toList(), sseBroker, SseSettings.topics(properties),
				executors);
		service.setLimits(SseSettings.limits(properties, environment));
		return service;
	}

	@Bean
	@ConditionalOnMissingBean(SseBroker.class)
	InMemorySseBroker sseBroker(SseProperties properties) {
		return new InMemorySseBroker(SseSettings.history(properties));
	}

	/** The threads' choice (virtual or platform, the async bound), made once. */
	@Bean(defaultCandidate = false)
	static SseSettings.Threads sseThreads(SseProperties properties, Environment environment) {
		return SseSettings.Threads.choose(properties, environment);
	}

	@Bean(name = TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
	@ConditionalOnMissingBean(name = TASK_EXECUTOR_BEAN_NAME)
	AsyncTaskExecutor sseTaskExecutor(@Qualifier("sseThreads") SseSettings.Threads threads,
			ObjectProvider<TaskDecorator> taskDecorator) {
		boolean virtual = threads.virtual();
		Integer limit = threads.maxConcurrency();
		TaskDecorator decorator = contextDecorator(taskDecorator.getIfUnique());
		log.debug("SSE async callbacks run on {} threads, at most {} at once", virtual ? "virtual" : "platform",
				(limit != null) ? limit : "unbounded");
		if (!virtual) {
			// A platform thread is costly to start, and it starts on the request thread
			// before the stream's first bytes: threads are kept a minute and reused. Past
			// the bound, refuse at once (503) rather than queue behind long streams.
			return new PlatformCallbackExecutor((limit != null) ? limit : Integer.MAX_VALUE, decorator);
		}
		SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("sse-");
		executor.setVirtualThreads(true);
		if (limit != null) {
			executor.setConcurrencyLimit(limit);
			executor.setRejectTasksWhenLimitReached(true);
		}
		executor.setTaskDecorator(decorator);
		return executor;
	}

	/**
	 * The request's context in an async callback: with Micrometer's context-propagation
	 * on the class path, whatever it propagates (the current Observation, so the trace;
	 * Spring Security's context), else Spring Security's context directly; the SLF4J MDC;
	 * and the application's own decorator.
	 */
	private static TaskDecorator contextDecorator(@Nullable TaskDecorator applicationDecorator) {
		List<TaskDecorator> decorators = new ArrayList<>();
		decorators.add(new MdcTaskDecorator());
		if (ContextPropagation.PRESENT) {
			decorators.add(ContextPropagation.decorator());
		}
		else if (SecurityContextTaskDecorator.PRESENT) {
			decorators.add(new SecurityContextTaskDecorator());
		}
		if (applicationDecorator != null) {
			decorators.add(applicationDecorator);
		}
		return new CompositeTaskDecorator(decorators);
	}

	@Bean
	@ConditionalOnBean(SseStreams.class)
	static SseShutdownListener sseShutdownListener(ObjectProvider<SseStreams> service, ApplicationContext context) {
		return new SseShutdownListener(service, context);
	}

	@Bean
	WebMvcConfigurer sseWebMvcConfigurer() {
		SseStreamInterceptor interceptor = new SseStreamInterceptor();
		return new WebMvcConfigurer() {
			@Override
			public void addInterceptors(InterceptorRegistry registry) {
				registry.addInterceptor(interceptor);
			}
		};
	}

	/**
	 * The starter's own pools, as Spring beans (with {@code executor.*{name=...}}
	 * metrics, from Spring Boot for the scheduler, from the starter for the writers);
	 * never candidates for injection by type. They accept work while the context closes:
	 * streams end and write their last bytes then. The writers are a plain
	 * {@link ThreadPoolExecutor}: a drain is a task of a few microseconds, run once per
	 * subscriber per burst, and Spring's pool wrapper would take a shared lock twice for
	 * each.
	 */
	@Configuration(proxyBeanMethods = false)
	static class ThreadsConfiguration {

		@Bean(defaultCandidate = false)
		ThreadPoolTaskScheduler sseHousekeepingScheduler() {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setPoolSize(1);
			scheduler.setThreadNamePrefix(StreamExecutors.HOUSEKEEPING_PREFIX);
			scheduler.setDaemon(true);
			scheduler.setRemoveOnCancelPolicy(true);
			scheduler.setAcceptTasksAfterContextClose(true);
			return scheduler;
		}

		@Bean(defaultCandidate = false, destroyMethod = "shutdown")
		ThreadPoolExecutor sseWriterExecutor() {
			return StreamExecutors.writerPool();
		}

		/**
		 * Never queues: each task may block on one client, so each gets its own thread.
		 */
		@Bean(defaultCandidate = false)
		TaskExecutor sseBlockingIoExecutor(@Qualifier("sseThreads") SseSettings.Threads threads) {
			if (threads.virtual()) {
				SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor(StreamExecutors.BLOCKING_IO_PREFIX);
				executor.setVirtualThreads(true);
				return executor;
			}
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(0);
			executor.setMaxPoolSize(Integer.MAX_VALUE);
			executor.setQueueCapacity(0);
			executor.setThreadNamePrefix(StreamExecutors.BLOCKING_IO_PREFIX);
			executor.setDaemon(true);
			executor.setAcceptTasksAfterContextClose(true);
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(JsonMapper.class)
	static class JacksonDataConverterConfiguration {

		@Bean
		@ConditionalOnMissingBean(DataConverter.class)
		DataConverter sseDataConverter(ObjectProvider<JsonMapper> jsonMapper) {
			return new JacksonDataConverter(jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("tools.jackson.databind.json.JsonMapper")
	static class PlainDataConverterConfiguration {

		@Bean
		@ConditionalOnMissingBean(DataConverter.class)
		DataConverter sseDataConverter() {
			return (data) -> {
				String text = DataConverter.simpleText(data);
				if (text == null) {
					throw new IllegalArgumentException("Cannot write SSE data of type " + data.getClass().getName()
							+ ": no Jackson 3 JsonMapper on the class path; send a String");
				}
				return text;
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.web.server.WebServerFactoryCustomizer")
	static class CompressionConfiguration {

		@Bean
		static SseCompressionCustomizer sseCompressionCustomizer() {
			return new SseCompressionCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.boot.tomcat.TomcatConnectorCustomizer",
			"org.apache.catalina.connector.Connector" })
	@ConditionalOnProperty(name = "sse.tomcat.lean-connections", havingValue = "true")
	static class LeanTomcatConfiguration {

		@Bean
		static LeanTomcatConnections sseLeanTomcatConnections(Environment environment) {
			return new LeanTomcatConnections(
					environment.getProperty("server.tomcat.processor-cache", Integer.class, 200));
		}

	}

	/** Micrometer's context-propagation, when the application has it. */
	private static final class ContextPropagation {

		static final boolean PRESENT = ClassUtils.isPresent("io.micrometer.context.ContextSnapshotFactory",
				SseAutoConfiguration.class.getClassLoader());

		static TaskDecorator decorator() {
			return new org.springframework.core.task.support.ContextPropagatingTaskDecorator();
		}

	}

}
