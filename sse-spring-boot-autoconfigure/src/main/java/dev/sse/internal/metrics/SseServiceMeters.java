package dev.sse.internal.metrics;

import java.util.function.ToDoubleFunction;

import dev.sse.spi.SseStreams;
import dev.sse.spi.StreamMode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * The gauges an operator alerts on before users notice: callbacks running against their
 * bound (the 503s start at the bound), bytes waiting for slow clients, topics and history
 * held.
 */
public final class SseServiceMeters implements MeterBinder {

	private final SseStreams service;

	private final @Nullable Integer asyncLimit;

	private final @Nullable Integer syncLimit;

	/**
	 * @param service the streams
	 * @param asyncLimit the most async callbacks at once, or {@code null} when unbounded
	 * @param syncLimit the most sync callbacks at once, or {@code null} when unbounded
	 */
	public SseServiceMeters(SseStreams service, @Nullable Integer asyncLimit, @Nullable Integer syncLimit) {
		this.service = service;
		this.asyncLimit = asyncLimit;
		this.syncLimit = syncLimit;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		gauge(registry, "sse.callbacks.running", "Callbacks running now (sync: on a request thread each)",
				StreamMode.SYNC.tag(), (s) -> s.runningCallbacks(false));
		gauge(registry, "sse.callbacks.running", "Callbacks running now (async: on the sseTaskExecutor)",
				StreamMode.ASYNC.tag(), (s) -> s.runningCallbacks(true));
		if (this.asyncLimit != null) {
			int limit = this.asyncLimit;
			gauge(registry, "sse.callbacks.limit", "Most callbacks at once: past it a stream is refused with 503",
					StreamMode.ASYNC.tag(), (s) -> limit);
		}
		if (this.syncLimit != null) {
			int limit = this.syncLimit;
			gauge(registry, "sse.callbacks.limit", "Most callbacks at once: past it a stream is refused with 503",
					StreamMode.SYNC.tag(), (s) -> limit);
		}
		Gauge.builder("sse.connections.queued", this.service, SseStreams::queuedBytes)
			.baseUnit("bytes")
			.description("Bytes waiting to be written to the clients of open streams")
			.register(registry);
		Gauge.builder("sse.topics", this.service, (s) -> s.broker().topicCount())
			.description("Topics held (with subscribers or history) in this instance")
			.register(registry);
		Gauge.builder("sse.topics.history", this.service, (s) -> s.broker().historySize())
			.description("Events kept for Last-Event-ID replay in this instance")
			.register(registry);
	}

	private void gauge(MeterRegistry registry, String name, String description, String mode,
			ToDoubleFunction<SseStreams> value) {
		Gauge.builder(name, this.service, value).description(description).tag("mode", mode).register(registry);
	}

}
