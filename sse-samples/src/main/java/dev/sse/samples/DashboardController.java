package dev.sse.samples;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.time.Instant;

import dev.sse.SseOptions;
import dev.sse.SseService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Live Dashboard Updates": real JVM figures and the request count, every
 * second.
 */
@RestController
class DashboardController {

	record Metrics(double cpu, long heapUsedMb, long heapMaxMb, int liveThreads, long requests, Instant timestamp) {
	}

	private final SseService sse;

	private final MeterRegistry registry;

	DashboardController(SseService sse, MeterRegistry registry) {
		this.sse = sse;
		this.registry = registry;
	}

	@GetMapping("/api/dashboard/stream")
	SseEmitter dashboard(@RequestParam(defaultValue = "1000") long intervalMillis) {
		long interval = Math.max(100, Math.min(intervalMillis, 10_000));
		SseOptions options = SseOptions.defaults()
			.async(true)
			.keepAliveInterval(Duration.ofSeconds(30))
			.timeout(Duration.ofHours(1));
		return this.sse.stream(options, (stream) -> {
			while (!stream.isClosed()) {
				stream.send(snapshot(), "metrics");
				Thread.sleep(interval);
			}
		});
	}

	Metrics snapshot() {
		Runtime runtime = Runtime.getRuntime();
		long used = (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024);
		long requests = Search.in(this.registry)
			.name("http.server.requests")
			.timers()
			.stream()
			.mapToLong(Timer::count)
			.sum();
		return new Metrics(cpu(), used, runtime.maxMemory() / (1024 * 1024),
				ManagementFactory.getThreadMXBean().getThreadCount(), requests, Instant.now());
	}

	private static double cpu() {
		OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
		double load = (os instanceof com.sun.management.OperatingSystemMXBean sun) ? sun.getProcessCpuLoad()
				: os.getSystemLoadAverage() / os.getAvailableProcessors();
		return Math.round(Math.max(0, load) * 1000) / 10.0;
	}

}
