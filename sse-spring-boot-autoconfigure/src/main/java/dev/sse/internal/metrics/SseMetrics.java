package dev.sse.internal.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.sse.spi.CloseReason;
import dev.sse.spi.RejectReason;
import dev.sse.spi.SendFailure;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamListener;
import dev.sse.spi.StreamMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * Keeps the per-stream {@code sse.*} meters: streams open now and their age, opened,
 * closed (by reason), refused, their duration, events and bytes sent, and failed sends.
 * Tagged by the handler's route pattern ({@code uri}) and {@code mode}, never by raw path
 * or topic, so cardinality stays bounded. Meters of one route and mode are looked up once
 * and cached: sending an event costs two counter increments. Thread-safe.
 */
public final class SseMetrics implements StreamListener {

	private final MeterRegistry registry;

	/** Route, then mode: looked up on every event, so no key is built per call. */
	private final Map<String, Map<StreamMode, RouteMeters>> byRoute = new ConcurrentHashMap<>();

	/** The age clock of each open stream, by stream id. */
	private final Map<String, LongTaskTimer.Sample> open = new ConcurrentHashMap<>();

	/**
	 * @param registry where the meters live
	 */
	public SseMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	private RouteMeters meters(SseStreamInfo stream) {
		Map<StreamMode, RouteMeters> byMode = this.byRoute.get(stream.route());
		if (byMode == null) {
			byMode = this.byRoute.computeIfAbsent(stream.route(), (route) -> new ConcurrentHashMap<>());
		}
		RouteMeters meters = byMode.get(stream.mode());
		if (meters == null) {
			meters = byMode.computeIfAbsent(stream.mode(),
					(mode) -> new RouteMeters(this.registry, stream.route(), mode.tag()));
		}
		return meters;
	}

	@Override
	public void opened(SseStreamInfo stream) {
		RouteMeters meters = meters(stream);
		this.open.put(stream.id(), meters.active.start());
		meters.opened.increment();
	}

	@Override
	public void closed(SseStreamInfo stream, CloseReason reason) {
		RouteMeters meters = meters(stream);
		LongTaskTimer.Sample age = this.open.remove(stream.id());
		if (age != null) {
			age.stop();
		}
		meters.closed(reason).increment();
		meters.duration.record(Duration.between(stream.openedAt(), Instant.now()));
	}

	@Override
	public void rejected(SseStreamInfo stream, RejectReason reason) {
		meters(stream).rejected(reason).increment();
	}

	@Override
	public void sent(SseStreamInfo stream, boolean event, long bytes) {
		RouteMeters meters = meters(stream);
		if (event) {
			meters.events.increment();
		}
		meters.bytes.increment(bytes);
	}

	@Override
	public void sendFailed(SseStreamInfo stream, SendFailure reason) {
		Counter.builder("sse.send.failures")
			.description("Sends that failed: client (the write failed), serialization, invalid (name or id)")
			.tags("uri", stream.route(), "reason", reason.tag())
			.register(this.registry)
			.increment();
	}

	/** The meters of one route and mode. */
	private static final class RouteMeters {

		private final MeterRegistry registry;

		private final Tags tags;

		final LongTaskTimer active;

		final Counter opened;

		final Timer duration;

		final Counter events;

		final Counter bytes;

		private final Map<CloseReason, Counter> closed = new ConcurrentHashMap<>();

		private final Map<RejectReason, Counter> rejected = new ConcurrentHashMap<>();

		RouteMeters(MeterRegistry registry, String uri, String mode) {
			this.registry = registry;
			this.tags = Tags.of("uri", uri, "mode", mode);
			this.active = LongTaskTimer.builder("sse.connections.active")
				.description("SSE streams open now, and how long they have been open")
				.tags(this.tags)
				.register(registry);
			this.opened = Counter.builder("sse.connections.opened")
				.description("SSE streams opened")
				.tags(this.tags)
				.register(registry);
			this.duration = Timer.builder("sse.connections.duration")
				.description("How long SSE streams stayed open")
				.tags(this.tags)
				.register(registry);
			this.events = Counter.builder("sse.events.sent")
				.description("SSE events sent (comments excluded)")
				.tags(this.tags)
				.register(registry);
			this.bytes = Counter.builder("sse.events.bytes")
				.baseUnit("bytes")
				.description("Bytes written to SSE streams, comments and openings included")
				.tags(this.tags)
				.register(registry);
		}

		Counter closed(CloseReason reason) {
			return this.closed.computeIfAbsent(reason,
					(r) -> Counter.builder("sse.connections.closed")
						.description("SSE streams ended, by reason")
						.tags(this.tags)
						.tag("reason", r.tag())
						.register(this.registry));
		}

		Counter rejected(RejectReason reason) {
			return this.rejected.computeIfAbsent(reason,
					(r) -> Counter.builder("sse.connections.rejected")
						.description("SSE streams refused before they opened (503 or 429), by reason")
						.tags(this.tags)
						.tag("reason", r.tag())
						.register(this.registry));
		}

	}

}
