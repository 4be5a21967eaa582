package dev.sse.samples;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import dev.sse.SseOptions;
import dev.sse.SseService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Feeds the "streams" page: every second, the open streams and events per second, read
 * from the starter's own sse.* meters.
 */
@RestController
class StreamsController {

	record StreamsSample(Instant time, int active, double eventsPerSecond, Map<String, Integer> activeByRoute) {
	}

	private final SseService sse;

	private final MeterRegistry registry;

	StreamsController(SseService sse, MeterRegistry registry) {
		this.sse = sse;
		this.registry = registry;
	}

	@GetMapping("/api/streams/metrics")
	SseEmitter metrics(@RequestParam(defaultValue = "1000") long intervalMillis) {
		long interval = Math.max(100, Math.min(intervalMillis, 10_000));
		return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
			double lastEvents = eventsSent();
			long lastTime = System.nanoTime();
			while (!stream.isClosed()) {
				Thread.sleep(interval);
				double events = eventsSent();
				long now = System.nanoTime();
				double perSecond = (events - lastEvents) / ((now - lastTime) / 1e9);
				lastEvents = events;
				lastTime = now;
				Map<String, Integer> byRoute = new TreeMap<>();
				for (LongTaskTimer open : Search.in(this.registry).name("sse.connections.active").longTaskTimers()) {
					byRoute.merge(open.getId().getTag("uri"), open.activeTasks(), Integer::sum);
				}
				int active = byRoute.values().stream().mapToInt(Integer::intValue).sum();
				stream.send(new StreamsSample(Instant.now(), active, Math.round(perSecond * 10) / 10.0, byRoute),
						"streams");
			}
		});
	}

	private double eventsSent() {
		return Search.in(this.registry).name("sse.events.sent").counters().stream().mapToDouble(Counter::count).sum();
	}

}
