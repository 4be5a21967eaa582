package dev.sse.autoconfigure;

import dev.sse.SseOptions;
import dev.sse.internal.stream.StreamLimits;
import dev.sse.internal.stream.StreamSettings;
import dev.sse.internal.stream.TopicSettings;
import dev.sse.internal.stream.VirtualThreads;
import dev.sse.internal.topics.InMemorySseBroker;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;

/**
 * The one mapping from {@link SseProperties} (already validated) to the settings the
 * starter's parts take, each by name; and the threads' choice, made once.
 */
final class SseSettings {

	/** The async callbacks' bound on platform threads when none is configured. */
	static final int PLATFORM_THREADS_DEFAULT_LIMIT = 200;

	private SseSettings() {
	}

	/** The options a stream falls back to, every one set. */
	static SseOptions options(SseProperties p) {
		return SseOptions.defaults()
			.async(p.isAsync())
			.retry(p.getRetry())
			.keepAliveInterval(p.getKeepAliveInterval())
			.timeout(p.getTimeout())
			.cors(p.getCors());
	}

	static StreamSettings stream(SseProperties p) {
		SseProperties.SlowClient slowClient = p.getSlowClient();
		return StreamSettings.builder()
			.defaults(options(p))
			.chunkSize(p.getChunkSize().toBytes())
			.disconnectDetection(p.getDisconnectDetectionInterval())
			.errorEventName(p.getError().getEventName())
			.includeErrorMessage(p.getError().getIncludeMessage() == SseProperties.IncludeMessage.ALWAYS)
			.retryAfter(p.getExecutor().getRetryAfter())
			.bufferSize(slowClient.getBufferSize().toBytes())
			.sendTimeout(slowClient.getSendTimeout())
			.stallTimeout(slowClient.getStallTimeout())
			.shutdownRetry(p.getShutdownRetry())
			.build();
	}

	static TopicSettings topics(SseProperties p) {
		SseProperties.Topics topics = p.getTopics();
		return new TopicSettings(topics.getBufferSize().toBytes(), topics.getResetEvent(), topics.getMaxNameLength(),
				topics.getMaxPerStream());
	}

	static InMemorySseBroker.Limits history(SseProperties p) {
		SseProperties.Topics topics = p.getTopics();
		SseProperties.Topics.History history = topics.getHistory();
		return new InMemorySseBroker.Limits(history.getSize(), history.getTtl(), history.getMaxBytes().toBytes(),
				topics.getMaxTopics());
	}

	static StreamLimits limits(SseProperties p, Environment environment) {
		return new StreamLimits(p.getMaxConnections(), p.getMaxConnectionsPerClient(), maxSyncStreams(p, environment),
				p.getExecutor().getRetryAfter());
	}

	/**
	 * The sync-stream limit in effect: {@code sse.max-sync-streams}, else half the
	 * container's request threads.
	 * @return the limit, {@code 0} for none
	 */
	static int maxSyncStreams(SseProperties p, Environment environment) {
		Integer configured = p.getMaxSyncStreams();
		return (configured != null) ? configured : Math.max(1, containerThreads(environment) / 2);
	}

	/**
	 * The container's most request threads, as configured (Tomcat's and Jetty's default
	 * is 200).
	 */
	static int containerThreads(Environment environment) {
		Integer tomcat = environment.getProperty("server.tomcat.threads.max", Integer.class);
		if (tomcat != null) {
			return tomcat;
		}
		return environment.getProperty("server.jetty.threads.max", Integer.class, 200);
	}

	/**
	 * What the async callbacks and the starter's blocking-I/O work run on: decided once,
	 * as a bean every auto-configuration reads.
	 *
	 * @param virtual virtual threads: {@code sse.executor.virtual-threads} when set, else
	 * Spring Boot's {@code spring.threads.virtual.enabled}; never before Java 21
	 * @param maxConcurrency the async callbacks' bound:
	 * {@code sse.executor.max-concurrency} when set, else none on virtual threads and 200
	 * on platform threads
	 */
	record Threads(boolean virtual, @Nullable Integer maxConcurrency) {

		static Threads choose(SseProperties p, Environment environment) {
			SseProperties.Executor executor = p.getExecutor();
			Boolean configured = executor.getVirtualThreads();
			boolean virtual = VirtualThreads.available()
					&& ((configured != null) ? configured : Threading.VIRTUAL.isActive(environment));
			Integer bound = executor.getMaxConcurrency();
			return new Threads(virtual, (bound != null) ? bound : (virtual ? null : PLATFORM_THREADS_DEFAULT_LIMIT));
		}

	}

}
