package dev.sse.autoconfigure;

import java.time.Duration;

import dev.sse.SseOptions;
import dev.sse.internal.stream.VirtualThreads;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

/**
 * Application-wide SSE settings. Every stream option set here is the default that
 * {@link SseOptions} given to one call overrides.
 */
@ConfigurationProperties("sse")
public class SseProperties {

	/**
	 * Whether callbacks run on the sseTaskExecutor (freeing the request thread) rather
	 * than on the request thread.
	 */
	private boolean async = false;

	/**
	 * Reconnection delay sent to clients with the first bytes ("retry:"); 0 sends none,
	 * so the browser's default (about 3 s) applies.
	 */
	private Duration retry = Duration.ZERO;

	/**
	 * Idle time after which a ":" comment keeps proxies from closing the stream; 20 s
	 * stays well under the 60 s idle timeout of common proxies and load balancers. 0
	 * disables it.
	 */
	private Duration keepAliveInterval = Duration.ofSeconds(20);

	/**
	 * Longest a stream may stay open; on expiry it closes and an async callback is
	 * interrupted. 0 means no limit.
	 */
	private Duration timeout = Duration.ZERO;

	/**
	 * Origins allowed to read streams cross-site: "" for none, "*" for any (no
	 * credentials), or a comma-separated list of origins.
	 */
	private String cors = "";

	/**
	 * Largest piece an event is written to the socket in; no line is ever split, whatever
	 * its size.
	 */
	private DataSize chunkSize = DataSize.ofKilobytes(32);

	/**
	 * Longest a client that left an idle stream goes unnoticed: an idle stream is probed
	 * with an empty comment every half of this. 0 disables the probes (the container
	 * alone then notices, on the next write).
	 */
	private Duration disconnectDetectionInterval = Duration.ofSeconds(5);

	/**
	 * Whether the SSE starter is on: false leaves the application as if it were not there
	 * (no SseService bean).
	 */
	private boolean enabled = true;

	/**
	 * Reconnection delay clients are told when the application stops (a "retry:" line
	 * before the stream ends), so they come back soon, to this instance or another. 0
	 * tells none.
	 */
	private Duration shutdownRetry = Duration.ofSeconds(1);

	/**
	 * Most streams open at once; past it a new one gets 503 and Retry-After. 0 = no
	 * limit.
	 */
	private int maxConnections;

	/**
	 * Most streams one client (its authenticated principal, else its remote address, as
	 * server.forward-headers-strategy resolves it) may have open at once; past it 429 and
	 * Retry-After. 0 = no limit.
	 */
	private int maxConnectionsPerClient;

	/**
	 * Most sync-mode streams at once (each holds a container request thread while its
	 * callback runs); past it 503. Default: half of server.tomcat.threads.max (or
	 * server.jetty.threads.max), so the application keeps threads for everything else. 0
	 * = no limit.
	 */
	private @Nullable Integer maxSyncStreams;

	private final Executor executor = new Executor();

	private final SlowClient slowClient = new SlowClient();

	private final Error error = new Error();

	private final Metrics metrics = new Metrics();

	private final Topics topics = new Topics();

	private final Broker broker = new Broker();

	private final Tomcat tomcat = new Tomcat();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public boolean isAsync() {
		return this.async;
	}

	public void setAsync(boolean async) {
		this.async = async;
	}

	public Duration getRetry() {
		return this.retry;
	}

	public void setRetry(Duration retry) {
		this.retry = nonNegative(retry, "retry");
	}

	public Duration getKeepAliveInterval() {
		return this.keepAliveInterval;
	}

	public void setKeepAliveInterval(Duration keepAliveInterval) {
		this.keepAliveInterval = nonNegative(keepAliveInterval, "keep-alive-interval");
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = nonNegative(timeout, "timeout");
	}

	public String getCors() {
		return this.cors;
	}

	public void setCors(String cors) {
		this.cors = cors;
	}

	public DataSize getChunkSize() {
		return this.chunkSize;
	}

	public void setChunkSize(DataSize chunkSize) {
		if (chunkSize.toBytes() < 64 || chunkSize.toBytes() > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("sse.chunk-size must be between 64B and 2GB, was " + chunkSize);
		}
		this.chunkSize = chunkSize;
	}

	public Duration getDisconnectDetectionInterval() {
		return this.disconnectDetectionInterval;
	}

	public void setDisconnectDetectionInterval(Duration disconnectDetectionInterval) {
		this.disconnectDetectionInterval = nonNegative(disconnectDetectionInterval, "disconnect-detection-interval");
	}

	public Duration getShutdownRetry() {
		return this.shutdownRetry;
	}

	public void setShutdownRetry(Duration shutdownRetry) {
		this.shutdownRetry = nonNegative(shutdownRetry, "shutdown-retry");
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(int maxConnections) {
		this.maxConnections = nonNegative(maxConnections, "max-connections");
	}

	public int getMaxConnectionsPerClient() {
		return this.maxConnectionsPerClient;
	}

	public void setMaxConnectionsPerClient(int maxConnectionsPerClient) {
		this.maxConnectionsPerClient = nonNegative(maxConnectionsPerClient, "max-connections-per-client");
	}

	public @Nullable Integer getMaxSyncStreams() {
		return this.maxSyncStreams;
	}

	public void setMaxSyncStreams(@Nullable Integer maxSyncStreams) {
		this.maxSyncStreams = (maxSyncStreams != null) ? nonNegative(maxSyncStreams, "max-sync-streams") : null;
	}

	/**
	 * The sync-stream limit in effect.
	 * @param containerThreads the container's most request threads
	 * @return the limit, {@code 0} for none
	 */
	public int effectiveMaxSyncStreams(int containerThreads) {
		return (this.maxSyncStreams != null) ? this.maxSyncStreams : Math.max(1, containerThreads / 2);
	}

	static int nonNegative(int value, String name) {
		if (value < 0) {
			throw new IllegalArgumentException("sse." + name + " must be zero (no limit) or positive, was " + value);
		}
		return value;
	}

	public SlowClient getSlowClient() {
		return this.slowClient;
	}

	public Executor getExecutor() {
		return this.executor;
	}

	public Error getError() {
		return this.error;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public Topics getTopics() {
		return this.topics;
	}

	public Tomcat getTomcat() {
		return this.tomcat;
	}

	public Broker getBroker() {
		return this.broker;
	}

	/**
	 * The stream options these properties give.
	 * @return options with every field set
	 */
	public SseOptions toOptions() {
		return SseOptions.defaults()
			.async(this.async)
			.retry(this.retry)
			.keepAliveInterval(this.keepAliveInterval)
			.timeout(this.timeout)
			.cors(this.cors);
	}

	static Duration nonNegative(Duration value, String name) {
		if (value.isNegative()) {
			throw new IllegalArgumentException("sse." + name + " must be zero or positive, was " + value);
		}
		return value;
	}

	/**
	 * How clients that cannot keep up are cut off, so they never hold a thread, a lock or
	 * unbounded memory.
	 */
	public static class SlowClient {

		/**
		 * Longest a stream's socket may take nothing while bytes wait; then the stream is
		 * cut off (reason slow_client).
		 */
		private Duration stallTimeout = Duration.ofSeconds(10);

		/**
		 * Most bytes queued for one async callback stream; past it send() waits for room.
		 */
		private DataSize bufferSize = DataSize.ofMegabytes(1);

		/**
		 * Longest send() of an async callback waits for room in its buffer; then the
		 * stream is cut off and send() returns false.
		 */
		private Duration sendTimeout = Duration.ofSeconds(10);

		public Duration getStallTimeout() {
			return this.stallTimeout;
		}

		public void setStallTimeout(Duration stallTimeout) {
			this.stallTimeout = positive(stallTimeout, "slow-client.stall-timeout");
		}

		public DataSize getBufferSize() {
			return this.bufferSize;
		}

		public void setBufferSize(DataSize bufferSize) {
			if (bufferSize.toBytes() < 1024) {
				throw new IllegalArgumentException(
						"sse.slow-client.buffer-size must be at least 1KB, was " + bufferSize);
			}
			this.bufferSize = bufferSize;
		}

		public Duration getSendTimeout() {
			return this.sendTimeout;
		}

		public void setSendTimeout(Duration sendTimeout) {
			this.sendTimeout = positive(sendTimeout, "slow-client.send-timeout");
		}

	}

	static Duration positive(Duration value, String name) {
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("sse." + name + " must be positive, was " + value);
		}
		return value;
	}

	/**
	 * The executor of async callbacks (the sseTaskExecutor bean, unless the application
	 * defines its own).
	 */
	public static class Executor {

		static final int PLATFORM_THREADS_DEFAULT_LIMIT = 200;

		/**
		 * Whether async callbacks run on virtual threads (Java 21+). Unset: as
		 * spring.threads.virtual.enabled says.
		 */
		private @Nullable Boolean virtualThreads;

		/**
		 * Most async callbacks running at once; past it a new async stream is refused
		 * with 503 and Retry-After. Default: unbounded on virtual threads, 200 on
		 * platform threads.
		 */
		private @Nullable Integer maxConcurrency;

		/**
		 * What a refused client is told to wait (Retry-After), rounded to whole seconds.
		 */
		private Duration retryAfter = Duration.ofSeconds(5);

		public @Nullable Boolean getVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(@Nullable Boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

		/**
		 * Whether async callbacks (and the starter's blocking-I/O work) run on virtual
		 * threads: {@code sse.executor.virtual-threads} when set, else Spring Boot's
		 * {@code spring.threads.virtual.enabled}; never before Java 21.
		 * @param environment the application's environment
		 * @return whether to use virtual threads
		 */
		public boolean useVirtualThreads(Environment environment) {
			if (!VirtualThreads.available()) {
				return false;
			}
			return (this.virtualThreads != null) ? this.virtualThreads : Threading.VIRTUAL.isActive(environment);
		}

		public @Nullable Integer getMaxConcurrency() {
			return this.maxConcurrency;
		}

		public void setMaxConcurrency(@Nullable Integer maxConcurrency) {
			if (maxConcurrency != null && maxConcurrency < 1) {
				throw new IllegalArgumentException(
						"sse.executor.max-concurrency must be at least 1, was " + maxConcurrency);
			}
			this.maxConcurrency = maxConcurrency;
		}

		/**
		 * The bound the executor applies.
		 * @param virtual whether callbacks run on virtual threads
		 * @return the configured bound, else none on virtual threads and 200 on platform
		 * threads
		 */
		public @Nullable Integer effectiveMaxConcurrency(boolean virtual) {
			if (this.maxConcurrency != null) {
				return this.maxConcurrency;
			}
			return virtual ? null : PLATFORM_THREADS_DEFAULT_LIMIT;
		}

		public Duration getRetryAfter() {
			return this.retryAfter;
		}

		public void setRetryAfter(Duration retryAfter) {
			this.retryAfter = nonNegative(retryAfter, "executor.retry-after");
		}

	}

	/** Tomcat, when it is the container. */
	public static class Tomcat {

		/**
		 * Opt-in: 1 KiB socket read and 4 KiB socket write buffers per connection, and no
		 * more closed connections (each still holding its processor's ~100 KB) kept for
		 * reuse than server.tomcat.processor-cache. For many long-lived streams that come
		 * and go in bursts.
		 */
		private boolean leanConnections;

		public boolean isLeanConnections() {
			return this.leanConnections;
		}

		public void setLeanConnections(boolean leanConnections) {
			this.leanConnections = leanConnections;
		}

	}

	/** The final event a client gets when a callback throws. */
	public static class Error {

		/** Name of the event sent when a callback throws, just before the stream ends. */
		private String eventName = "error";

		/**
		 * Whether that event carries the exception's message, as
		 * server.error.include-message does for error pages.
		 */
		private IncludeMessage includeMessage = IncludeMessage.NEVER;

		public String getEventName() {
			return this.eventName;
		}

		public void setEventName(String eventName) {
			if (eventName.isEmpty() || eventName.indexOf('\n') >= 0 || eventName.indexOf('\r') >= 0) {
				throw new IllegalArgumentException("sse.error.event-name must be non-empty without CR or LF, was \""
						+ eventName.replace("\n", "\\n").replace("\r", "\\r") + "\"");
			}
			this.eventName = eventName;
		}

		public IncludeMessage getIncludeMessage() {
			return this.includeMessage;
		}

		public void setIncludeMessage(IncludeMessage includeMessage) {
			this.includeMessage = includeMessage;
		}

	}

	/** Topics: publish once, fan out to every subscriber, replay on reconnect. */
	public static class Topics {

		/**
		 * Most bytes queued for one subscriber; past it the subscriber is cut off as a
		 * slow client (it reconnects and replays from history). The default rides out a
		 * burst of 1,000 8 KiB events.
		 */
		private DataSize bufferSize = DataSize.ofMegabytes(16);

		/**
		 * Most topics held at once in this instance (with subscribers or history);
		 * publishing or subscribing to one more is refused, so client-chosen topic names
		 * cannot grow memory without limit.
		 */
		private int maxTopics = 10_000;

		/** Longest topic name, in characters; a longer one is refused. */
		private int maxNameLength = 256;

		/** Most topics one subscribe may follow; more are refused. */
		private int maxPerStream = 100;

		/**
		 * Name of the event that opens a stream whose Last-Event-ID the history no longer
		 * covers: the client must reload its state.
		 */
		private String resetEvent = "sse-reset";

		private final History history = new History();

		public DataSize getBufferSize() {
			return this.bufferSize;
		}

		public void setBufferSize(DataSize bufferSize) {
			if (bufferSize.toBytes() < 1024) {
				throw new IllegalArgumentException("sse.topics.buffer-size must be at least 1KB, was " + bufferSize);
			}
			this.bufferSize = bufferSize;
		}

		public String getResetEvent() {
			return this.resetEvent;
		}

		public void setResetEvent(String resetEvent) {
			if (resetEvent.isEmpty() || resetEvent.indexOf('\n') >= 0 || resetEvent.indexOf('\r') >= 0) {
				throw new IllegalArgumentException("sse.topics.reset-event must be non-empty without CR or LF");
			}
			this.resetEvent = resetEvent;
		}

		public History getHistory() {
			return this.history;
		}

		public int getMaxTopics() {
			return this.maxTopics;
		}

		public void setMaxTopics(int maxTopics) {
			if (maxTopics < 1) {
				throw new IllegalArgumentException("sse.topics.max-topics must be at least 1, was " + maxTopics);
			}
			this.maxTopics = maxTopics;
		}

		public int getMaxNameLength() {
			return this.maxNameLength;
		}

		public void setMaxNameLength(int maxNameLength) {
			if (maxNameLength < 1) {
				throw new IllegalArgumentException(
						"sse.topics.max-name-length must be at least 1, was " + maxNameLength);
			}
			this.maxNameLength = maxNameLength;
		}

		public int getMaxPerStream() {
			return this.maxPerStream;
		}

		public void setMaxPerStream(int maxPerStream) {
			if (maxPerStream < 1) {
				throw new IllegalArgumentException("sse.topics.max-per-stream must be at least 1, was " + maxPerStream);
			}
			this.maxPerStream = maxPerStream;
		}

		/** The events kept per topic for Last-Event-ID replay. */
		public static class History {

			/**
			 * Most events kept per topic; 0 keeps none (a reconnecting client then always
			 * gets sse-reset).
			 */
			private int size = 1000;

			/** How long an event stays in its topic's history. */
			private Duration ttl = Duration.ofMinutes(5);

			/**
			 * Most data kept per topic, measured as it goes on the wire (about); the
			 * oldest events go first.
			 */
			private DataSize maxBytes = DataSize.ofMegabytes(4);

			public DataSize getMaxBytes() {
				return this.maxBytes;
			}

			public void setMaxBytes(DataSize maxBytes) {
				if (maxBytes.toBytes() < 0) {
					throw new IllegalArgumentException(
							"sse.topics.history.max-bytes must be zero or positive, was " + maxBytes);
				}
				this.maxBytes = maxBytes;
			}

			public int getSize() {
				return this.size;
			}

			public void setSize(int size) {
				if (size < 0) {
					throw new IllegalArgumentException("sse.topics.history.size must be zero or positive, was " + size);
				}
				this.size = size;
			}

			public Duration getTtl() {
				return this.ttl;
			}

			public void setTtl(Duration ttl) {
				this.ttl = nonNegative(ttl, "topics.history.ttl");
			}

		}

	}

	/** Micrometer meters of SSE streams. */
	public static class Metrics {

		/**
		 * Whether the requests that carried SSE streams are kept out of
		 * http.server.requests (each lasts as long as its stream, minutes or hours);
		 * sse.connections.* measures streams instead.
		 */
		private boolean excludeFromHttpServerRequests = true;

		public boolean isExcludeFromHttpServerRequests() {
			return this.excludeFromHttpServerRequests;
		}

		public void setExcludeFromHttpServerRequests(boolean excludeFromHttpServerRequests) {
			this.excludeFromHttpServerRequests = excludeFromHttpServerRequests;
		}

		/**
		 * Most distinct "uri" tag values across the sse.* meters; past it new values are
		 * dropped, so a mapping with unbounded patterns cannot flood the registry.
		 */
		private int maxUriTags = 100;

		public int getMaxUriTags() {
			return this.maxUriTags;
		}

		public void setMaxUriTags(int maxUriTags) {
			if (maxUriTags < 1) {
				throw new IllegalArgumentException("sse.metrics.max-uri-tags must be at least 1, was " + maxUriTags);
			}
			this.maxUriTags = maxUriTags;
		}

	}

	/** Where topics live: this instance's memory, or Redis for several instances. */
	public static class Broker {

		/**
		 * memory: one instance, no dependency; redis: topics shared by every instance
		 * through the application's Spring Data Redis.
		 */
		private BrokerType type = BrokerType.MEMORY;

		private final Redis redis = new Redis();

		public BrokerType getType() {
			return this.type;
		}

		public void setType(BrokerType type) {
			this.type = type;
		}

		public Redis getRedis() {
			return this.redis;
		}

		/** The Redis broker. */
		public static class Redis {

			/**
			 * What every key starts with (inside a hash tag, so a Redis Cluster keeps
			 * them on one node).
			 */
			private String keyPrefix = "sse";

			/** How long a topic's keys live after its last event. */
			private Duration idleExpiry = Duration.ofHours(1);

			/**
			 * Buckets topics hash into, each one hash slot of a Redis Cluster; 0 picks 1
			 * on a standalone or Sentinel Redis and 8 on a Cluster (set it to twice the
			 * masters or more on a larger one). Every instance must use the same; a
			 * change is a new key layout (a new key prefix).
			 */
			private int buckets;

			/**
			 * Longest a publication may take to reach Redis; a later one is refused there
			 * rather than applied late.
			 */
			private Duration commandTimeout = Duration.ofSeconds(2);

			public String getKeyPrefix() {
				return this.keyPrefix;
			}

			public void setKeyPrefix(String keyPrefix) {
				if (keyPrefix.isEmpty() || keyPrefix.contains("{") || keyPrefix.contains("}")) {
					throw new IllegalArgumentException(
							"sse.broker.redis.key-prefix must be non-empty without braces, was \"" + keyPrefix + "\"");
				}
				this.keyPrefix = keyPrefix;
			}

			public Duration getIdleExpiry() {
				return this.idleExpiry;
			}

			public int getBuckets() {
				return this.buckets;
			}

			public void setBuckets(int buckets) {
				if (buckets < 0 || buckets > 16384) {
					throw new IllegalArgumentException(
							"sse.broker.redis.buckets must be 0 (automatic) to 16384, was " + buckets);
				}
				this.buckets = buckets;
			}

			public void setIdleExpiry(Duration idleExpiry) {
				this.idleExpiry = positive(idleExpiry, "broker.redis.idle-expiry");
			}

			public Duration getCommandTimeout() {
				return this.commandTimeout;
			}

			public void setCommandTimeout(Duration commandTimeout) {
				this.commandTimeout = positive(commandTimeout, "broker.redis.command-timeout");
			}

		}

	}

	/** Where topics live. */
	public enum BrokerType {

		/** In this instance's memory. */
		MEMORY,

		/** In Redis, shared by every instance. */
		REDIS

	}

	/** Whether an error event includes the exception's message. */
	public enum IncludeMessage {

		/** Never: the client sees only that the stream failed. */
		NEVER,

		/** Always: the exception's message is sent to the client. */
		ALWAYS

	}

}
