package dev.sse.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.SseStream;
import org.slf4j.MDC;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The application the wire tests run: one endpoint per behaviour, each a few lines on top
 * of {@link SseService}, as a user would write them.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(TestApp.Streams.class)
public class TestApp {

	@Bean
	Signals signals() {
		return new Signals();
	}

	/** Spring MVC's own CORS support, for the streams under /mvc-cors. */
	@Bean
	WebMvcConfigurer corsMappings() {
		return new WebMvcConfigurer() {
			@Override
			public void addCorsMappings(CorsRegistry registry) {
				registry.addMapping("/mvc-cors/**").allowedOrigins("https://a.example").allowCredentials(true);
			}
		};
	}

	/**
	 * Jetty when the jetty test execution took Tomcat off the class path, Tomcat
	 * otherwise.
	 */
	public static String expectedContainer() {
		return System.getProperty("sse.test.container", "tomcat");
	}

	/**
	 * A payload over 1 MiB with a 4-byte character across every 32 KiB boundary, and 2-
	 * and 3-byte ones between.
	 */
	public static String largePayload() {
		StringBuilder text = new StringBuilder(1_200_000);
		String filler = "abcé€xyz";
		int i = 0;
		while (text.length() < 1_100_000) {
			if (text.length() % 32768 == 32767) {
				text.append("😀");
			}
			else {
				text.append(filler.charAt(i++ % filler.length()));
			}
		}
		return text.toString();
	}

	public record Progress(int percentDone, String stepName) {
	}

	/** Cannot be written as JSON: its only property throws. */
	public static class Exploding {

		public String getValue() {
			throw new IllegalStateException("boom");
		}

	}

	@RestController
	static class Streams {

		private final SseService sse;

		private final Signals signals;

		private final io.micrometer.observation.ObservationRegistry observations;

		Streams(SseService sse, Signals signals, io.micrometer.observation.ObservationRegistry observations) {
			this.sse = sse;
			this.signals = signals;
			this.observations = observations;
		}

		@GetMapping("/ping")
		String ping() {
			return "pong";
		}

		@GetMapping("/text")
		String text() {
			return "compressible text ".repeat(500);
		}

		/** The BoxLang docs' "Basic Synchronous Streaming" example. */
		@GetMapping("/basic")
		SseEmitter basic() {
			return this.sse.stream((emitter) -> {
				emitter.send("Hello from server!");
				emitter.send(Map.of("status", "processing", "progress", 25), "update");
				emitter.send(Map.of("status", "processing", "progress", 50), "update");
				emitter.send(Map.of("status", "processing", "progress", 75), "update");
				emitter.send(Map.of("complete", true), "done");
				emitter.close();
			});
		}

		/**
		 * Sends one event, then waits for the test to have seen it before sending the
		 * second.
		 */
		@GetMapping("/live")
		SseEmitter live(@RequestParam(defaultValue = "false") boolean async) {
			return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				this.signals.fire("live.thread", Thread.currentThread().getName());
				stream.send("one");
				this.signals.await("live.seen-one", Duration.ofSeconds(10));
				stream.send("two");
			});
		}

		@GetMapping("/data")
		SseEmitter data() {
			return this.sse.stream((stream) -> {
				for (Object value : dataCases()) {
					stream.send(value, "case");
				}
				stream.send(new Progress(50, "load"), "record");
				stream.send("end", "done");
			});
		}

		static List<Object> dataCases() {
			List<Object> cases = new ArrayList<>();
			cases.add("plain");
			cases.add("a\nb");
			cases.add("a\r\nb");
			cases.add("a\rb");
			cases.add("a\n");
			cases.add("\n");
			cases.add("");
			cases.add(" leading space");
			cases.add(42);
			cases.add(3.5);
			cases.add(true);
			cases.add(null);
			Map<String, Object> map = new LinkedHashMap<>();
			map.put("text", "line1\nline2");
			map.put("n", 1);
			cases.add(map);
			cases.add(List.of(1, 2, 3));
			return cases;
		}

		@GetMapping("/large")
		SseEmitter large() {
			String payload = largePayload();
			return this.sse.stream((stream) -> {
				stream.send(payload, "large", "L1");
				stream.send("after", "done");
			});
		}

		@GetMapping("/ids")
		SseEmitter ids() {
			return this.sse.stream((stream) -> {
				stream.send("with id", "e", 7);
				stream.send("empty id", null, "");
				stream.send("no id");
			});
		}

		@GetMapping("/bad-input")
		SseEmitter badInput() {
			return this.sse.stream((stream) -> {
				List<String> errors = new ArrayList<>();
				for (Runnable bad : List.<Runnable>of(() -> stream.send("x", "a\nb"), () -> stream.send("x", "a\rb"),
						() -> stream.send("x", null, "1\n2"), () -> stream.send("x", null, "1\r"),
						() -> stream.send("x", null, "1\u00002"))) {
					try {
						bad.run();
						errors.add("accepted");
					}
					catch (IllegalArgumentException ex) {
						errors.add(ex.getMessage());
					}
				}
				this.signals.fire("bad-input.errors", errors);
				this.signals.fire("bad-input.open", !stream.isClosed());
				stream.send("still open", "after");
			});
		}

		@GetMapping("/unserializable")
		SseEmitter unserializable() {
			return this.sse.stream((stream) -> {
				try {
					stream.send(new Exploding(), "bad");
				}
				catch (IllegalArgumentException ex) {
					this.signals.fire("unserializable.error", ex.getMessage());
				}
				stream.send("ok");
			});
		}

		@GetMapping("/items/{id}/stream")
		SseEmitter item(@org.springframework.web.bind.annotation.PathVariable String id) {
			return this.sse.stream((stream) -> stream.send(id, "item"));
		}

		@GetMapping("/topics/subscribe")
		SseEmitter subscribe(@RequestParam List<String> topic) {
			return this.sse.subscribe(topic.toArray(String[]::new));
		}

		@GetMapping("/topics/subscribe-with")
		SseEmitter subscribeWith(@RequestParam String topic, @RequestParam long keepAliveMillis,
				@RequestParam long timeoutMillis) {
			return this.sse.subscribe(SseOptions.defaults()
				.keepAliveInterval(Duration.ofMillis(keepAliveMillis))
				.timeout(Duration.ofMillis(timeoutMillis))
				.retry(Duration.ofSeconds(2)), topic);
		}

		@org.springframework.web.bind.annotation.PostMapping("/topics/publish")
		String publish(@RequestParam String topic, @RequestParam(required = false) String event,
				@org.springframework.web.bind.annotation.RequestBody String data) {
			return this.sse.publish(topic, data, event);
		}

		/**
		 * Sends 8 KiB events as fast as the client takes them, until send says the stream
		 * is gone.
		 */
		@GetMapping("/flood")
		SseEmitter flood(@RequestParam(defaultValue = "false") boolean async) {
			String payload = "f".repeat(8 * 1024);
			return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				this.signals.counter("flood.started").incrementAndGet();
				try {
					int i = 0;
					while (stream.send(i++ + ":" + payload)) {
						// until the client is cut off
					}
				}
				finally {
					this.signals.counter("flood.returned").incrementAndGet();
				}
			});
		}

		/**
		 * A topic stream that the application also writes to directly, through the
		 * emitter it returns.
		 */
		@GetMapping("/topics/mixed")
		SseEmitter mixed(@RequestParam String topic, @RequestParam int direct) {
			SseEmitter emitter = this.sse.subscribe(topic);
			Thread writer = new Thread(() -> {
				this.signals.await("mixed.go", Duration.ofSeconds(10));
				try {
					for (int i = 0; i < direct; i++) {
						emitter.send(SseEmitter.event().name("direct").data("d" + i + ":" + "m".repeat(i % 500)));
					}
				}
				catch (Exception ex) {
					this.signals.fire("mixed.failure", ex.toString());
				}
			});
			writer.setDaemon(true);
			writer.start();
			return emitter;
		}

		/** A reactive source forwarded to the stream, its demand recorded. */
		@GetMapping("/flux")
		SseEmitter flux(@RequestParam int n) {
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
				reactor.core.publisher.Flux<String> source = reactor.core.publisher.Flux.range(0, n)
					.map((i) -> "t" + i)
					.doOnRequest((r) -> this.signals.counter("flux.max-request")
						.accumulateAndGet((int) Math.min(r, Integer.MAX_VALUE), Math::max));
				this.signals.fire("flux.completed", dev.sse.SsePublishers.forward(source, stream, "token"));
			});
		}

		/** A source that never ends: only the client leaving stops it. */
		@GetMapping("/flux/forever")
		SseEmitter fluxForever() {
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
				reactor.core.publisher.Flux<Long> source = reactor.core.publisher.Flux.interval(Duration.ofMillis(20))
					.doOnCancel(() -> this.signals.fire("flux.cancelled"));
				this.signals.fire("flux.forever-returned", dev.sse.SsePublishers.forward(source, stream, "tick"));
			});
		}

		@GetMapping("/flux/failing")
		SseEmitter fluxFailing() {
			return this.sse.stream(SseOptions.defaults().async(true),
					(stream) -> dev.sse.SsePublishers.forward(
							reactor.core.publisher.Flux.concat(reactor.core.publisher.Flux.just("a"),
									reactor.core.publisher.Flux.error(new IllegalStateException("source failed"))),
							stream, null));
		}

		@GetMapping("/comment")
		SseEmitter comment() {
			return this.sse.stream((stream) -> {
				stream.comment("x\ndata: injected\r\nevent: evil");
				stream.comment(null);
				stream.send("real");
			});
		}

		@GetMapping("/retry")
		SseEmitter retry(@RequestParam long millis) {
			return this.sse.stream(SseOptions.defaults().retry(Duration.ofMillis(millis)), (stream) -> {
				this.signals.await("retry.release", Duration.ofSeconds(10));
				stream.send("x");
			});
		}

		@GetMapping("/last-id")
		SseEmitter lastId() {
			return this.sse.stream((stream) -> stream.send(String.valueOf(stream.lastEventId()), "last"));
		}

		/**
		 * Sends, closes while the callback keeps running, and records what send and
		 * comment return afterwards.
		 */
		@GetMapping("/close")
		SseEmitter close(@RequestParam(defaultValue = "false") boolean async) {
			return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				stream.send("before");
				stream.close();
				stream.close();
				this.signals.fire("close.send-after", stream.send("after"));
				this.signals.fire("close.comment-after", stream.comment("after"));
				this.signals.fire("close.closed", stream.isClosed());
				this.signals.await("close.release", Duration.ofSeconds(10));
			});
		}

		/**
		 * Never sends; blocks on a source that never delivers, and reports how the end
		 * reached it.
		 */
		@GetMapping("/idle")
		SseEmitter idle(@RequestParam(defaultValue = "false") boolean async) {
			return this.sse.stream(SseOptions.defaults().async(async).keepAliveInterval(Duration.ZERO), (stream) -> {
				BlockingQueue<String> quiet = new LinkedBlockingQueue<>();
				stream.onClose(() -> this.signals.fire("idle.on-close", stream.isClosed()));
				this.signals.fire("idle.open");
				long start = System.nanoTime();
				try {
					quiet.take();
				}
				catch (InterruptedException ex) {
					this.signals.fire("idle.closed-after-ms", (System.nanoTime() - start) / 1_000_000);
					this.signals.fire("idle.closed", stream.isClosed());
					throw ex;
				}
			});
		}

		@GetMapping("/keep-alive")
		SseEmitter keepAlive(@RequestParam long millis) {
			return this.sse.stream(SseOptions.defaults().keepAliveInterval(Duration.ofMillis(millis)), (stream) -> {
				this.signals.await("keep-alive.release", Duration.ofSeconds(20));
			});
		}

		/**
		 * Keeps sending faster than the keep-alive interval, so no keep-alive comment is
		 * due.
		 */
		@GetMapping("/busy")
		SseEmitter busy() {
			return this.sse.stream(SseOptions.defaults().keepAliveInterval(Duration.ofMillis(400)), (stream) -> {
				for (int i = 0; i < 30; i++) {
					stream.send(i);
					TimeUnit.MILLISECONDS.sleep(100);
				}
			});
		}

		@GetMapping("/timeout")
		SseEmitter timeout(@RequestParam(defaultValue = "true") boolean async) {
			return this.sse.stream(SseOptions.defaults().async(async).timeout(Duration.ofMillis(500)), (stream) -> {
				stream.send("started");
				try {
					TimeUnit.SECONDS.sleep(30);
					this.signals.fire("timeout.interrupted", false);
				}
				catch (InterruptedException ex) {
					this.signals.fire("timeout.interrupted", true);
					this.signals.fire("timeout.closed", stream.isClosed());
					throw ex;
				}
			});
		}

		/** Outlives spring.mvc.async.request-timeout. */
		@GetMapping("/long")
		SseEmitter longStream(@RequestParam(defaultValue = "false") boolean async) {
			return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				for (int i = 0; i < 15; i++) {
					if (!stream.send(i, "tick")) {
						return;
					}
					TimeUnit.MILLISECONDS.sleep(200);
				}
				stream.send("end", "done");
			});
		}

		@GetMapping("/fail")
		SseEmitter fail(@RequestParam(defaultValue = "false") boolean async,
				@RequestParam(name = "access_token", required = false) String token) {
			return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				stream.send("before");
				throw new IllegalStateException("secret detail \"quoted\"\nline two");
			});
		}

		@GetMapping("/cors")
		SseEmitter cors(@RequestParam String allow) {
			return this.sse.stream(SseOptions.defaults().cors(allow), (stream) -> stream.send("hi"));
		}

		@GetMapping("/mvc-cors/stream")
		SseEmitter mvcCors() {
			return this.sse.stream(SseOptions.defaults().cors("https://a.example"), (stream) -> stream.send("hi"));
		}

		/** Holds an async stream open until the test releases the latch. */
		@GetMapping("/hold")
		SseEmitter hold() {
			CountDownLatch release = this.signals.<CountDownLatch>await("hold.latch", Duration.ofSeconds(5));
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
				stream.send("held", "held");
				release.await(60, TimeUnit.SECONDS);
				stream.send("released", "done");
			});
		}

		@GetMapping("/context")
		SseEmitter context() {
			MDC.put("requestId", "req-42");
			SecurityContextHolder.getContext().setAuthentication(new TestingAuthenticationToken("alice", "pw", "USER"));
			try {
				io.micrometer.observation.Observation request = this.observations.getCurrentObservation();
				return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
					var auth = SecurityContextHolder.getContext().getAuthentication();
					var current = this.observations.getCurrentObservation();
					stream.send(Map.of("mdc", String.valueOf(MDC.get("requestId")), "user",
							(auth != null) ? auth.getName() : "none", "thread", Thread.currentThread().getName(),
							"virtual", isVirtual(Thread.currentThread()), "observation",
							(current != null) ? current.getContext().getName() : "none", "sameObservation",
							current != null && current == request), "context");
				});
			}
			finally {
				MDC.remove("requestId");
				SecurityContextHolder.clearContext();
			}
		}

		/** Four threads send at once; every event must arrive whole. */
		@GetMapping("/concurrent")
		SseEmitter concurrent() {
			return this.sse.stream((stream) -> {
				List<Thread> threads = new ArrayList<>();
				for (int t = 0; t < 4; t++) {
					int writer = t;
					threads.add(new Thread(() -> sendMany(stream, writer)));
				}
				threads.forEach(Thread::start);
				for (Thread thread : threads) {
					thread.join();
				}
				stream.send("end", "done");
			});
		}

		private static void sendMany(SseStream stream, int writer) {
			String body = String.valueOf((char) ('A' + writer)).repeat(5000);
			for (int i = 0; i < 100; i++) {
				stream.send(writer + ":" + i + ":" + body + "\n" + body, "w");
				stream.comment("from " + writer);
			}
		}

		static boolean isVirtual(Thread thread) {
			try {
				return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
			}
			catch (ReflectiveOperationException ex) {
				return false;
			}
		}

	}

}
