package dev.sse.internal.stream;

import dev.sse.SseStreamRejectedException;
import dev.sse.spi.CloseReason;
import dev.sse.spi.DataConverter;
import dev.sse.spi.RejectReason;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.SseStreams;
import dev.sse.spi.StreamListener;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.sse.SseCallback;
import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.topics.TopicNames;
import dev.sse.internal.wire.SseEncoder;
import dev.sse.spi.SseBroker;
import dev.sse.spi.SseBrokerException;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.http.HttpStatus;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The auto-configured {@link SseService}: a thin façade that makes streams and hands them
 * what they need ({@link StreamContext}), over the registry of open streams, the
 * starter's threads and the broker. Ends every stream when the application stops, before
 * the web server's graceful shutdown, so that never waits on a stream. Thread-safe.
 * Internal: inject {@link SseService}.
 */
public class DefaultSseService implements SseService, SseStreams, SmartLifecycle, DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(DefaultSseService.class);

	/**
	 * How often housekeeping looks at the open streams: keep-alives and probes are due
	 * within this.
	 */
	private static final Duration TICK = Duration.ofMillis(100);

	private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);

	private final StreamContext context;

	private final TaskExecutor callbackExecutor;

	private volatile StreamLimits limits = StreamLimits.NONE;

	private final ScheduledFuture<?> housekeeping;

	private volatile boolean running;

	/**
	 * @param settings the application-wide settings
	 * @param dataConverter turns data into event text
	 * @param callbackExecutor runs async callbacks; its refusal becomes a 503
	 * @param listeners told what happens to streams (metrics)
	 * @param broker fans topic events out and keeps their history
	 * @param topicSettings the settings of topic streams
	 * @param executors the starter's own threads
	 */
	public DefaultSseService(StreamSettings settings, DataConverter dataConverter, TaskExecutor callbackExecutor,
			List<StreamListener> listeners, SseBroker broker, TopicSettings topicSettings, StreamExecutors executors) {
		this.context = StreamContext.of(settings, topicSettings, dataConverter, new StreamRegistry(listeners),
				executors, broker);
		this.callbackExecutor = callbackExecutor;
		this.housekeeping = executors.scheduleWithFixedDelay(new Housekeeping(this.context), TICK);
	}

	// ---- SseService ----

	@Override
	public SseEmitter stream(SseCallback callback) {
		return stream(SseOptions.defaults(), callback);
	}

	@Override
	public SseEmitter stream(SseOptions options, SseCallback callback) {
		Objects.requireNonNull(options, "options must not be null");
		Objects.requireNonNull(callback, "callback must not be null");
		HttpServletRequest request = currentRequest();
		SseOptions resolved = options.orElse(this.context.settings().defaults());
		if (isHead(request)) {
			return headersOnly(resolved, request);
		}
		CallbackStream stream = new CallbackStream(this.context, emitter(resolved, request), StreamRequest.of(request),
				resolved, callback);
		boolean async = Boolean.TRUE.equals(resolved.getAsync());
		limit(stream, request, !async);
		if (async) {
			try {
				stream.submitTo(this.callbackExecutor);
			}
			catch (TaskRejectedException ex) {
				stream.abandon();
				this.context.registry().rejected(stream, RejectReason.CAPACITY);
				log.warn("Refused SSE stream {}: no thread for its async callback ({})", stream.description(),
						ex.getMessage());
				throw new SseStreamRejectedException(this.context.settings().retryAfter(), ex);
			}
			catch (RuntimeException | Error ex) {
				// Any other refusal (a plain RejectedExecutionException, a decorator that
				// throws, no native thread): the stream never opens, its place is given
				// back.
				stream.abandon();
				throw ex;
			}
			if (stream.runsOnRequestThread()) {
				// The executor ran the task on the caller: the callback will hold the
				// request thread like a sync stream's, and counts as one.
				try {
					this.limits.takeRequestThread(stream.permit());
				}
				catch (StreamLimits.Refused refused) {
					stream.abandon();
					this.context.registry().rejected(stream, refused.reason());
					log.warn("Refused SSE stream {}: {}", stream.description(), refused.getMessage());
					throw refused.answer();
				}
			}
		}
		return pending(stream, resolved, request, null);
	}

	@Override
	public String publish(String topic, @Nullable Object data) {
		return publish(topic, data, null);
	}

	@Override
	public String publish(String topic, @Nullable Object data, @Nullable String event) {
		SseEncoder.checkEventName(event);
		if (topic == null || topic.isEmpty() || topic.length() > this.context.topics().maxNameLength()) {
			throw new IllegalArgumentException("A topic is non-empty and at most "
					+ this.context.topics().maxNameLength() + " characters (sse.topics.max-name-length): "
					+ ((topic == null) ? "null" : topic.length() + " characters"));
		}
		TopicNames.check(topic);
		return this.context.broker().publish(topic, event, this.context.dataConverter().toText(data)).id();
	}

	@Override
	public SseEmitter subscribe(String... topics) {
		return subscribe(SseOptions.defaults(), topics);
	}

	@Override
	public SseEmitter subscribe(SseOptions options, String... topics) {
		Objects.requireNonNull(options, "options must not be null");
		List<String> names = checkTopics(topics);
		HttpServletRequest request = currentRequest();
		SseOptions resolved = options.orElse(this.context.settings().defaults());
		if (isHead(request)) {
			return headersOnly(resolved, request);
		}
		TopicStream stream = new TopicStream(this.context, emitter(resolved, request), StreamRequest.of(request),
				resolved, names);
		limit(stream, request, false);
		String position;
		try {
			position = stream.subscribe();
		}
		catch (SseBrokerException ex) {
			stream.abandon();
			log.warn("Refused SSE stream {}: {}", stream.description(), ex.getMessage());
			this.context.registry().rejected(stream, RejectReason.BROKER);
			throw new SseStreamRejectedException(HttpStatus.SERVICE_UNAVAILABLE, "Topics are unavailable",
					this.context.settings().retryAfter(), ex);
		}
		catch (RuntimeException ex) {
			stream.abandon();
			throw ex;
		}
		// The opening sets the client's last event id to where its subscription starts,
		// only when it has none: a client that resumes keeps its own until the replayed
		// (or live) events bring theirs, so a connection lost right after the opening
		// resumes from the same place, not past a replay it never received.
		return pending(stream, resolved, request, (stream.request().lastEventId() == null) ? position : null);
	}

	/**
	 * Topic names come from clients as often as not: bounded in number and length, so
	 * that no request can make the broker hold unbounded state.
	 */
	private List<String> checkTopics(String... topics) {
		TopicSettings limits = this.context.topics();
		if (topics.length == 0) {
			throw invalid("subscribe needs at least one topic");
		}
		if (topics.length > limits.maxPerStream()) {
			throw invalid("A stream follows at most " + limits.maxPerStream() + " topics (sse.topics.max-per-stream), "
					+ "asked for " + topics.length);
		}
		for (String topic : topics) {
			checkTopic(topic);
		}
		return List.of(topics);
	}

	private void checkTopic(@Nullable String topic) {
		if (topic == null || topic.isEmpty()) {
			throw invalid("A topic must not be null or empty");
		}
		int max = this.context.topics().maxNameLength();
		if (topic.length() > max) {
			throw invalid("A topic name is at most " + max + " characters (sse.topics.max-name-length), was "
					+ topic.length());
		}
		try {
			TopicNames.check(topic);
		}
		catch (IllegalArgumentException ex) {
			throw invalid(ex.getMessage());
		}
	}

	private static SseStreamRejectedException invalid(String reason) {
		return new SseStreamRejectedException(HttpStatus.BAD_REQUEST, reason, null,
				new IllegalArgumentException(reason));
	}

	private SseStreamEmitter emitter(SseOptions resolved, HttpServletRequest request) {
		if (this.context.registry().isStopped()) {
			throw new SseStreamRejectedException(this.context.settings().retryAfter(),
					"The application is shutting down");
		}
		if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
				&& attributes.getResponse() != null) {
			CorsPolicy.apply(Objects.requireNonNullElse(resolved.getCors(), ""), request, attributes.getResponse());
		}
		return new SseStreamEmitter(this.context.dataConverter());
	}

	/**
	 * Queues the opening bytes and leaves the stream for the interceptor to open. A topic
	 * stream's opening sets the client's last event id to where its subscription starts.
	 */
	private void limit(AbstractStream stream, HttpServletRequest request, boolean sync) {
		try {
			stream.holdPermit(this.limits.acquire(request, sync));
		}
		catch (StreamLimits.Refused refused) {
			stream.abandon();
			this.context.registry().rejected(stream, refused.reason());
			log.warn("Refused SSE stream {}: {}", stream.description(), refused.getMessage());
			throw refused.answer();
		}
	}

	/**
	 * Sets the limits on open streams (all, per client, sync); none by default.
	 * @param limits the limits
	 */
	public void setLimits(StreamLimits limits) {
		this.limits = Objects.requireNonNull(limits, "limits must not be null");
	}

	/**
	 * The limits on open streams.
	 * @return the limits, with what they count now
	 */
	public StreamLimits limits() {
		return this.limits;
	}

	private SseEmitter pending(AbstractStream stream, SseOptions resolved, HttpServletRequest request,
			@Nullable String position) {
		Duration retry = resolved.getRetry();
		stream.useOpening(this.context.encoder().opening((retry != null) ? retry : Duration.ZERO, position));
		request.setAttribute(SseStreamInterceptor.PENDING_ATTRIBUTE, stream);
		return stream.emitterForHandler();
	}

	private static boolean isHead(HttpServletRequest request) {
		return "HEAD".equals(request.getMethod());
	}

	/**
	 * A {@code HEAD} request (Spring MVC maps it to the {@code GET} handler) gets what a
	 * {@code GET} would (the status, a 503 while shutting down, the stream's headers,
	 * CORS) and ends at once: no body can follow, so no stream, callback, subscription or
	 * limit, and the connection is free for the next request.
	 */
	private SseEmitter headersOnly(SseOptions resolved, HttpServletRequest request) {
		SseStreamEmitter emitter = emitter(resolved, request);
		emitter.complete();
		return emitter;
	}

	private static HttpServletRequest currentRequest() {
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		if (!(attributes instanceof ServletRequestAttributes servletAttributes)) {
			throw new IllegalStateException("SseService.stream must be called on the request thread of a "
					+ "Spring MVC handler (no current request)");
		}
		HttpServletRequest request = servletAttributes.getRequest();
		if (request.getAttribute(SseStreamInterceptor.ACTIVE_ATTRIBUTE) == null) {
			throw new IllegalStateException("SseService.stream must be called from a Spring MVC handler whose "
					+ "mapping has the SSE interceptor (is the SSE auto-configuration active?)");
		}
		if (request.getAttribute(SseStreamInterceptor.PENDING_ATTRIBUTE) != null) {
			throw new IllegalStateException(
					"SseService.stream was already called for this request: " + "one request carries one stream");
		}
		return request;
	}

	// ---- for operators ----

	@Override
	public int openStreams() {
		return this.context.registry().size();
	}

	@Override
	public List<SseStreamInfo> streams() {
		return List.copyOf(this.context.registry().streams());
	}

	@Override
	public @Nullable SseStreamInfo stream(String id) {
		return this.context.registry().get(id);
	}

	@Override
	public boolean evict(String id) {
		AbstractStream stream = this.context.registry().get(id);
		if (stream == null) {
			return false;
		}
		stream.endSoon(CloseReason.EVICTED);
		return true;
	}

	@Override
	public int runningCallbacks(boolean async) {
		return this.context.registry().runningCallbacks(async);
	}

	@Override
	public long queuedBytes() {
		long total = 0;
		for (AbstractStream stream : this.context.registry().streams()) {
			total += stream.queuedBytes();
		}
		return total;
	}

	@Override
	public SseBroker broker() {
		return this.context.broker();
	}

	/** For tests in this package: what the streams share. */
	StreamContext context() {
		return this.context;
	}

	// ---- lifecycle ----

	@Override
	public void start() {
		this.context.registry().restart();
		this.running = true;
	}

	/**
	 * Ends every open stream, so the web server's graceful shutdown does not wait on
	 * them.
	 */
	@Override
	public void stop() {
		this.running = false;
		StreamRegistry registry = this.context.registry();
		// From now on no stream opens: one that is opening sees this and ends itself.
		registry.stop();
		List<AbstractStream> streams = List.copyOf(registry.streams());
		if (!streams.isEmpty()) {
			log.info("Closing {} open SSE stream(s) for shutdown", streams.size());
		}
		for (AbstractStream stream : streams) {
			stream.endSoon(CloseReason.SHUTDOWN);
		}
		// Also those that were opening meanwhile: each ends itself as it registers.
		if (!registry.awaitDrained(SHUTDOWN_WAIT)) {
			log.warn("{} SSE stream(s) still closing after {}", registry.size(), SHUTDOWN_WAIT);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public void destroy() {
		this.housekeeping.cancel(false);
	}

	/**
	 * The housekeeping tick: every open stream's heartbeat, and the broker's purge about
	 * once a second.
	 */
	private static final class Housekeeping implements Runnable {

		private final StreamContext context;

		private long lastPurgeNanos = System.nanoTime();

		Housekeeping(StreamContext context) {
			this.context = context;
		}

		@Override
		public void run() {
			try {
				tick();
			}
			catch (Throwable ex) {
				// Whatever happens, the next tick runs: a periodic task that throws is
				// cancelled silently, and with it every stream's heartbeat.
				log.error("SSE housekeeping failed", ex);
			}
		}

		private void tick() {
			long now = System.nanoTime();
			for (AbstractStream stream : this.context.registry().streams()) {
				try {
					stream.idleCheck(now);
				}
				catch (Throwable ex) {
					// Anything escaping would cancel the periodic task for every stream.
					log.warn("SSE housekeeping of stream {} failed", stream.description(), ex);
				}
			}
			this.context.registry().checkDraining(now);
			if (now - this.lastPurgeNanos > TimeUnit.SECONDS.toNanos(1)) {
				this.lastPurgeNanos = now;
				this.context.registry().checkUnconfirmed();
				try {
					this.context.broker().purge();
				}
				catch (Throwable ex) {
					log.warn("SSE broker housekeeping failed", ex);
				}
			}
		}

	}

}
