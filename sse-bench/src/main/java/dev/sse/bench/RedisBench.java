package dev.sse.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.sse.SseService;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The endpoints of bench/redis.sh: a stream of any topic, publications from many threads
 * at once, a paced broadcast over many topics, and a deep history to resume from.
 */
@RestController
class RedisBench {

	private final SseService sse;

	RedisBench(SseService sse) {
		this.sse = sse;
	}

	@GetMapping("/starter/topic")
	SseEmitter topic(@RequestParam String topic) {
		return this.sse.subscribe(topic);
	}

	/**
	 * {@code n} publications from {@code threads} threads, each to a topic of its own.
	 */
	@PostMapping("/starter/publish-many")
	Map<String, Object> publishMany(@RequestParam int n, @RequestParam int threads,
			@RequestParam(defaultValue = "64") int size) {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			int each = n / threads;
			long start = System.nanoTime();
			List<CompletableFuture<Void>> all = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				String topic = "pub-" + t;
				all.add(CompletableFuture.runAsync(() -> {
					for (int i = 0; i < each; i++) {
						this.sse.publish(topic, BenchServer.payload(i, size));
					}
				}, pool));
			}
			all.forEach(CompletableFuture::join);
			long nanos = System.nanoTime() - start;
			return Map.of("published", each * threads, "perSecond", (long) (each * threads / (nanos / 1e9)));
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** Every tick, one event to each of {@code topics} topics ({@code fan-0...}). */
	@PostMapping("/starter/broadcast-topics")
	Map<String, Object> broadcastTopics(@RequestParam int ticks, @RequestParam long intervalMillis,
			@RequestParam int topics, @RequestParam(defaultValue = "64") int size) throws InterruptedException {
		long start = System.nanoTime();
		for (int i = 0; i < ticks; i++) {
			BenchServer.pace(start, i, intervalMillis);
			for (int t = 0; t < topics; t++) {
				this.sse.publish("fan-" + t, BenchServer.payload(i, size));
			}
		}
		return Map.of("publishMillis", (System.nanoTime() - start) / 1_000_000);
	}

	/** A history of {@code n} events to resume from; the id before the first. */
	@PostMapping("/starter/history")
	Map<String, Object> history(@RequestParam int n, @RequestParam int size, @RequestParam String topic) {
		String first = null;
		for (int i = 0; i < n; i++) {
			String id = this.sse.publish(topic, BenchServer.payload(i, size));
			if (first == null) {
				first = id;
			}
		}
		return Map.of("first", Long.parseLong(first));
	}

}
