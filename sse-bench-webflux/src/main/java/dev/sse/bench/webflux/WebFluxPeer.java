package dev.sse.bench.webflux;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * WebFlux on Netty, written as a competent user would: one multicast sink for the
 * broadcast (each subscriber with an unbounded buffer of its own, growing as needed, so a
 * slow one cannot hold the others back), {@code Flux<ServerSentEvent>} for every stream.
 * It answers the same small HTTP contract as {@code BenchServer}'s starter side, so the
 * same {@code LoadDriver} measures it.
 */
@SpringBootApplication
@RestController
public class WebFluxPeer {

	private final Sinks.Many<String> broadcast = Sinks.many().multicast().directBestEffort();

	private final AtomicInteger open = new AtomicInteger();

	private volatile Sinks.Empty<Void> idleRelease = Sinks.empty();

	public static void main(String[] args) {
		SpringApplication.run(WebFluxPeer.class, args);
	}

	private <T> Flux<T> counted(Flux<T> flux) {
		return flux.doOnSubscribe((s) -> this.open.incrementAndGet()).doFinally((s) -> this.open.decrementAndGet());
	}

	@GetMapping(path = "/starter/subscribe", produces = "text/event-stream")
	Flux<ServerSentEvent<String>> subscribe() {
		return counted(
				this.broadcast.asFlux().onBackpressureBuffer().map((data) -> ServerSentEvent.builder(data).build()));
	}

	@PostMapping("/starter/broadcast")
	Mono<Map<String, Object>> broadcast(@RequestParam int n, @RequestParam(defaultValue = "0") long intervalMillis,
			@RequestParam(defaultValue = "64") int size) {
		return Mono.fromCallable(() -> {
			long start = System.nanoTime();
			for (int i = 0; i < n; i++) {
				long due = start + i * intervalMillis * 1_000_000L;
				long wait = due - System.nanoTime();
				if (wait > 0) {
					TimeUnit.NANOSECONDS.sleep(wait);
				}
				this.broadcast.emitNext(payload(i, size), Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
			}
			return Map.<String, Object>of("publishMillis", (System.nanoTime() - start) / 1_000_000);
		}).subscribeOn(Schedulers.boundedElastic());
	}

	private static String payload(int i, int size) {
		String head = System.currentTimeMillis() + ":" + i + ":";
		return head + "x".repeat(Math.max(0, size - head.length()));
	}

	@GetMapping(path = "/starter/tokens", produces = "text/event-stream")
	Flux<ServerSentEvent<String>> tokens(@RequestParam int n) {
		return counted(Flux.range(0, n).map((i) -> ServerSentEvent.builder("tok" + i).event("token").build()));
	}

	@GetMapping(path = "/starter/delayed", produces = "text/event-stream")
	Flux<ServerSentEvent<String>> delayed(@RequestParam long ms) {
		return counted(Mono.delay(Duration.ofMillis(ms)).map((x) -> ServerSentEvent.builder("first").build()).flux());
	}

	@GetMapping(path = "/starter/idle", produces = "text/event-stream")
	Flux<ServerSentEvent<String>> idle() {
		return counted(this.idleRelease.asMono().thenMany(Flux.<ServerSentEvent<String>>empty()));
	}

	@PostMapping("/bench/release")
	Map<String, Object> releaseIdle() {
		Sinks.Empty<Void> old = this.idleRelease;
		this.idleRelease = Sinks.empty();
		old.tryEmitEmpty();
		return state();
	}

	@GetMapping("/bench/state")
	Map<String, Object> state() {
		return Map.of("starterOpen", this.open.get());
	}

	@GetMapping("/bench/heap")
	Map<String, Object> heap() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			TimeUnit.MILLISECONDS.sleep(200);
		}
		return Map.of("used", java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
				"rss", residentBytes());
	}

	/** The process's resident set (Linux {@code /proc/self/statm}, in pages of 4 KiB). */
	private static long residentBytes() {
		try {
			String[] statm = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/statm"))
				.trim()
				.split(" ");
			return Long.parseLong(statm[1]) * 4096;
		}
		catch (java.io.IOException | RuntimeException ex) {
			return 0;
		}
	}

}
