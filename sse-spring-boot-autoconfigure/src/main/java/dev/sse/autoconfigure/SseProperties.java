package dev.sse.autoconfigure;

import java.time.Duration;

import dev.sse.SseOptions;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Application-wide SSE settings. Every stream option set here is the default that
 * {@link SseOptions} given to one call overrides. A plain holder: Spring Boot binds it,
 * then runs {@link #validate(Object, Errors)}, the one place that says which values are
 * legal (a bad one fails startup naming the property and why); the auto-configurations
 * map it to the starter's settings by name.
 */
@ConfigurationProperties("sse")
public class SseProperties implements Validator {

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
		this.retry = retry;
	}

	public Duration getKeepAliveInterval() {
		return this.keepAliveInterval;
	}

	public void setKeepAliveInterval(Duration keepAliveInterval) {
		this.keepAliveInterval = keepAliveInterval;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
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
		this.chunkSize = chunkSize;
	}

	public Duration getDisconnectDetectionInterval() {
		return this.disconnectDetectionInterval;
	}

	public void setDisconnectDetectionInterval(Duration disconnectDetectionInterval) {
		this.disconnectDetectionInterval = disconnectDetectionInterval;
	}

	public Duration getShutdownRetry() {
		return this.shutdownRetry;
	}

	public void setShutdownRetry(Duration shutdownRetry) {
		this.shutdownRetry = shutdownRetry;
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(int maxConnections) {
		this.maxConnections = maxConnections;
	}

	public int getMaxConnectionsPerClient() {
		return this.maxConnectionsPerClient;
	}

	public void setMaxConnectionsPerClient(int maxConnectionsPerClient) {
		this.maxConnectionsPerClient = maxConnectionsPerClient;
	}

	public @Nullable Integer getMaxSyncStreams() {
		return this.maxSyncStreams;
	}

	public void setMaxSyncStreams(@Nullable Integer maxSyncStreams) {
		this.maxSyncStreams = maxSyncStreams;
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
			this.stallTimeout = stallTimeout;
		}

		public DataSize getBufferSize() {
			return this.bufferSize;
		}

		public void setBufferSize(DataSize bufferSize) {
			this.bufferSize = bufferSize;
		}

		public Duration getSendTimeout() {
			return this.sendTimeout;
		}

		public void setSendTimeout(Duration sendTimeout) {
			this.sendTimeout = sendTimeout;
		}

	}

	/**
	 * The executor of async callbacks (the sseTaskExecutor bean, unless the application
	 * defines its own).
	 */
	public static class Executor {

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

		public @Nullable Integer getMaxConcurrency() {
			return this.maxConcurrency;
		}

		public void setMaxConcurrency(@Nullable Integer maxConcurrency) {
			this.maxConcurrency = maxConcurrency;
		}

		public Duration getRetryAfter() {
			return this.retryAfter;
		}

		public void setRetryAfter(Duration retryAfter) {
			this.retryAfter = retryAfter;
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
			this.bufferSize = bufferSize;
		}

		public String getResetEvent() {
			return this.resetEvent;
		}

		public void setResetEvent(String resetEvent) {
			this.resetEvent = resetEvent;
		}

		public History getHistory() {
			return this.history;
		}

		public int getMaxTopics() {
			return this.maxTopics;
		}

		public void setMaxTopics(int maxTopics) {
			this.maxTopics = maxTopics;
		}

		public int getMaxNameLength() {
			return this.maxNameLength;
		}

		public void setMaxNameLength(int maxNameLength) {
			this.maxNameLength = maxNameLength;
		}

		public int getMaxPerStream() {
			return this.maxPerStream;
		}

		public void setMaxPerStream(int maxPerStream) {
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
				this.maxBytes = maxBytes;
			}

			public int getSize() {
				return this.size;
			}

			public void setSize(int size) {
				this.size = size;
			}

			public Duration getTtl() {
				return this.ttl;
			}

			public void setTtl(Duration ttl) {
				this.ttl = ttl;
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
				this.keyPrefix = keyPrefix;
			}

			public Duration getIdleExpiry() {
				return this.idleExpiry;
			}

			public int getBuckets() {
				return this.buckets;
			}

			public void setBuckets(int buckets) {
				this.buckets = buckets;
			}

			public void setIdleExpiry(Duration idleExpiry) {
				this.idleExpiry = idleExpiry;
			}

			public Duration getCommandTimeout() {
				return this.commandTimeout;
			}

			public void setCommandTimeout(Duration commandTimeout) {
				this.commandTimeout = commandTimeout;
			}

		}

	}

	@Override
	public boolean supports(Class<?> type) {
		return SseProperties.class.isAssignableFrom(type);
	}

	/**
	 * Every rule on the values of {@code sse.*}, run by Spring Boot once they are bound.
	 * @param target these properties
	 * @param errors where a broken rule is reported, with the property's name
	 */
	@Override
	public void validate(Object target, Errors errors) {
		SseProperties p = (SseProperties) target;
		Rules rules = new Rules(errors);
		rules.zeroOrMore("retry", p.retry);
		rules.zeroOrMore("keepAliveInterval", p.keepAliveInterval);
		rules.zeroOrMore("timeout", p.timeout);
		rules.check("chunkSize", p.chunkSize.toBytes() >= 64 && p.chunkSize.toBytes() <= Integer.MAX_VALUE,
				"must be between 64B and 2GB, was " + p.chunkSize);
		rules.zeroOrMore("disconnectDetectionInterval", p.disconnectDetectionInterval);
		rules.zeroOrMore("shutdownRetry", p.shutdownRetry);
		rules.noLimitOrMore("maxConnections", p.maxConnections);
		rules.noLimitOrMore("maxConnectionsPerClient", p.maxConnectionsPerClient);
		if (p.maxSyncStreams != null) {
			rules.noLimitOrMore("maxSyncStreams", p.maxSyncStreams);
		}
		rules.positive("slowClient.stallTimeout", p.slowClient.stallTimeout);
		rules.atLeastOneKilobyte("slowClient.bufferSize", p.slowClient.bufferSize);
		rules.positive("slowClient.sendTimeout", p.slowClient.sendTimeout);
		Integer maxConcurrency = p.executor.maxConcurrency;
		rules.check("executor.maxConcurrency", maxConcurrency == null || maxConcurrency >= 1,
				"must be at least 1, was " + maxConcurrency);
		rules.zeroOrMore("executor.retryAfter", p.executor.retryAfter);
		rules.eventName("error.eventName", p.error.eventName);
		rules.atLeastOneKilobyte("topics.bufferSize", p.topics.bufferSize);
		rules.eventName("topics.resetEvent", p.topics.resetEvent);
		rules.atLeastOne("topics.maxTopics", p.topics.maxTopics);
		rules.atLeastOne("topics.maxNameLength", p.topics.maxNameLength);
		rules.atLeastOne("topics.maxPerStream", p.topics.maxPerStream);
		rules.check("topics.history.maxBytes", p.topics.history.maxBytes.toBytes() >= 0,
				"must be zero or positive, was " + p.topics.history.maxBytes);
		rules.check("topics.history.size", p.topics.history.size >= 0,
				"must be zero or positive, was " + p.topics.history.size);
		rules.zeroOrMore("topics.history.ttl", p.topics.history.ttl);
		rules.atLeastOne("metrics.maxUriTags", p.metrics.maxUriTags);
		String keyPrefix = p.broker.redis.keyPrefix;
		rules.check("broker.redis.keyPrefix",
				!keyPrefix.isEmpty() && !keyPrefix.contains("{") && !keyPrefix.contains("}"),
				"must be non-empty without braces, was \"" + keyPrefix + "\"");
		rules.check("broker.redis.buckets", p.broker.redis.buckets >= 0 && p.broker.redis.buckets <= 16384,
				"must be 0 (automatic) to 16384, was " + p.broker.redis.buckets);
		rules.positive("broker.redis.idleExpiry", p.broker.redis.idleExpiry);
		rules.positive("broker.redis.commandTimeout", p.broker.redis.commandTimeout);
	}

	/**
	 * Reports a broken rule on a field (its path in these properties, camel case) with a
	 * message that names the property as the user writes it.
	 */
	private record Rules(Errors errors) {

		void check(String field, boolean holds, String problem) {
			if (!holds) {
				String property = "sse." + field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
				this.errors.rejectValue(field, "sse.invalid", property + " " + problem);
			}
		}

		void zeroOrMore(String field, Duration value) {
			check(field, !value.isNegative(), "must be zero or positive, was " + value);
		}

		void positive(String field, Duration value) {
			check(field, !value.isNegative() && !value.isZero(), "must be positive, was " + value);
		}

		void noLimitOrMore(String field, int value) {
			check(field, value >= 0, "must be zero (no limit) or positive, was " + value);
		}

		void atLeastOne(String field, int value) {
			check(field, value >= 1, "must be at least 1, was " + value);
		}

		void atLeastOneKilobyte(String field, DataSize value) {
			check(field, value.toBytes() >= 1024, "must be at least 1KB, was " + value);
		}

		void eventName(String field, String value) {
			check(field, !value.isEmpty() && value.indexOf('\n') < 0 && value.indexOf('\r') < 0,
					"must be non-empty without CR or LF, was \"" + value.replace("\n", "\\n").replace("\r", "\\r")
							+ "\"");
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
