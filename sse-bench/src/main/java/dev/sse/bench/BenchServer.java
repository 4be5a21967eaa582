package dev.sse.bench;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamListener;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One server with the same endpoints twice: {@code /plain/*} written the usual way with a
 * bare {@link SseEmitter}, {@code /starter/*} with {@link SseService}. The load driver
 * measures both in the same run.
 */
@SpringBootApplication
@RestController
public class BenchServer {

	private final SseService sse;

	private final DefaultSseService service;

	/**
	 * How a hand-rolled SseEmitter app typically runs its producers: a thread per stream.
	 */
	private final ExecutorService plainExecutor = newThreadPerTask();

	private final Set<SseEmitter> plainOpen = ConcurrentHashMap.newKeySet();

	private final EventCounter eventsSent;

	public BenchServer(SseService sse, DefaultSseService service, EventCounter eventsSent) {
		this.sse = sse;
		this.service = service;
		this.eventsSent = eventsSent;
	}

	public static void main(String[] args) {
		SpringApplication.run(BenchServer.class, args);
	}

	private static ExecutorService newThreadPerTask() {
		try {
			return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
		}
		catch (ReflectiveOperationException ex) {
			return Executors.newCachedThreadPool();
		}
	}

	private SseEmitter trackedPlain() {
		SseEmitter emitter = new SseEmitter(0L);
		this.plainOpen.add(emitter);
		emitter.onCompletion(() -> this.plainOpen.remove(emitter));
		emitter.onError((ex) -> this.plainOpen.remove(emitter));
		return emitter;
	}

	// ---- tokens: one stream sends n small events as fast as it can ----

	@GetMapping("/plain/tokens")
	SseEmitter plainTokens(@RequestParam int n) {
		SseEmitter emitter = trackedPlain();
		this.plainExecutor.execute(() -> {
			try {
				for (int i = 0; i < n; i++) {
					emitter.send(SseEmitter.event().name("token").data("tok" + i));
				}
				emitter.complete();
			}
			catch (Exception ex) {
				emitter.completeWithError(ex);
			}
		});
		return emitter;
	}

	@GetMapping("/starter/tokens")
	SseEmitter starterTokens(@RequestParam int n) {
		return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
			for (int i = 0; i < n; i++) {
				if (!stream.send("tok" + i, "token")) {
					return;
				}
			}
		});
	}

	// ---- broadcast: one loader publishes n small events to every subscriber ----

	private final Set<SseEmitter> plainSubscribers = ConcurrentHashMap.newKeySet();

	@GetMapping("/plain/subscribe")
	SseEmitter plainSubscribe() {
		SseEmitter emitter = trackedPlain();
		this.plainSubscribers.add(emitter);
		emitter.onCompletion(() -> this.plainSubscribers.remove(emitter));
		emitter.onError((ex) -> this.plainSubscribers.remove(emitter));
		return emitter;
	}

	/**
	 * The usual hand-rolled broadcast: a loop over the emitters, each send a blocking
	 * write.
	 */
	@PostMapping("/plain/broadcast")
	Map<String, Object> plainBroadcast(@RequestParam int n, @RequestParam(defaultValue = "0") long intervalMillis,
			@RequestParam(defaultValue = "64") int size) throws InterruptedException {
		long start = System.nanoTime();
		for (int i = 0; i < n; i++) {
			pace(start, i, intervalMillis);
			String data = payload(i, size);
			for (SseEmitter emitter : this.plainSubscribers) {
				try {
					emitter.send(SseEmitter.event().data(data));
				}
				catch (Exception ex) {
					this.plainSubscribers.remove(emitter);
					emitter.completeWithError(ex);
				}
			}
		}
		return Map.of("publishMillis", (System.nanoTime() - start) / 1_000_000);
	}

	@GetMapping("/starter/subscribe")
	SseEmitter starterSubscribe() {
		return this.sse.subscribe("bench");
	}

	@PostMapping("/starter/broadcast")
	Map<String, Object> starterBroadcast(@RequestParam int n, @RequestParam(defaultValue = "0") long intervalMillis,
			@RequestParam(defaultValue = "bench") String topic, @RequestParam(defaultValue = "64") int size)
			throws InterruptedException {
		long start = System.nanoTime();
		int subscribers = this.service.openStreams();
		long[] written = new long[(intervalMillis > 0) ? n : 0];
		int late = 0;
		this.eventsSent.track(written.length > 0);
		for (int i = 0; i < n; i++) {
			pace(start, i, intervalMillis);
			long published = System.nanoTime();
			String id = this.sse.publish(topic, payload(i, size));
			if (written.length > 0) {
				// Paced: how long until the server has written this event (by its id) to
				// every subscriber's socket; the rest of the latency is the client's
				// read.
				// Waits until the next event is due at most.
				while (this.eventsSent.count(id) < subscribers
						&& System.nanoTime() - published < TimeUnit.MILLISECONDS.toNanos(intervalMillis)) {
					TimeUnit.MICROSECONDS.sleep(200);
				}
				written[i] = (System.nanoTime() - published) / 1_000_000;
				if (this.eventsSent.count(id) < subscribers) {
					late++;
				}
				this.eventsSent.forget(id);
			}
		}
		this.eventsSent.track(false);
		java.util.Arrays.sort(written);
		return Map.of("publishMillis", (System.nanoTime() - start) / 1_000_000, "writtenP50Millis",
				(written.length > 0) ? written[written.length / 2] : -1, "writtenLate", late);
	}

	/**
	 * Counts, per event id, the subscribers the starter has written each event to (a
	 * topic stream's last sent id is the event just written when it is told).
	 */
	static final class EventCounter implements StreamListener {

		private final Map<String, LongAdder> sent = new ConcurrentHashMap<>();

		/** Only during a paced broadcast. */
		private volatile boolean tracking;

		void track(boolean on) {
			this.tracking = on;
			this.sent.clear();
		}

		@Override
		public void sent(SseStreamInfo stream, boolean event, long bytes) {
			String id = stream.lastSentEventId();
			if (event && id != null && this.tracking) {
				this.sent.computeIfAbsent(id, (key) -> new LongAdder()).increment();
			}
		}

		long count(String id) {
			LongAdder adder = this.sent.get(id);
			return (adder != null) ? adder.sum() : 0;
		}

		void forget(String id) {
			this.sent.remove(id);
		}

	}

	@Bean
	static EventCounter eventCounter() {
		return new EventCounter();
	}

	/**
	 * A fixed publication rate: event i goes out at start + i * interval, or at once when
	 * behind.
	 */
	static void pace(long start, int i, long intervalMillis) throws InterruptedException {
		long due = start + i * intervalMillis * 1_000_000L;
		long wait = due - System.nanoTime();
		if (wait > 0) {
			TimeUnit.NANOSECONDS.sleep(wait);
		}
	}

	/**
	 * {@code size} bytes (64 in most scenarios): the wall-clock time of publication (for
	 * latency), a sequence number, padding.
	 */
	static String payload(int i, int size) {
		String head = System.currentTimeMillis() + ":" + i + ":";
		return head + "x".repeat(Math.max(0, size - head.length()));
	}

	// ---- delayed: the first event comes after ms milliseconds (time to first byte) ----

	@GetMapping("/plain/delayed")
	SseEmitter plainDelayed(@RequestParam long ms, @RequestParam(defaultValue = "false") boolean comment)
			throws java.io.IOException {
		SseEmitter emitter = trackedPlain();
		if (comment) {
			// What a user does for headers at once: an early comment, flushed when
			// Spring starts the response.
			emitter.send(SseEmitter.event().comment("ok"));
		}
		this.plainExecutor.execute(() -> {
			try {
				TimeUnit.MILLISECONDS.sleep(ms);
				emitter.send(SseEmitter.event().data("first"));
				emitter.complete();
			}
			catch (Exception ex) {
				emitter.completeWithError(ex);
			}
		});
		return emitter;
	}

	@GetMapping("/starter/delayed")
	SseEmitter starterDelayed(@RequestParam long ms) {
		return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
			TimeUnit.MILLISECONDS.sleep(ms);
			stream.send("first");
		});
	}

	// ---- idle: open streams that send nothing until released ----

	@GetMapping("/plain/idle")
	SseEmitter plainIdle() {
		return trackedPlain();
	}

	/**
	 * Latches of the idle starter streams: one each, so thousands of waiting callbacks
	 * never share a wait queue.
	 */
	private final Set<CountDownLatch> idleLatches = ConcurrentHashMap.newKeySet();

	/**
	 * The dashboard example: an async callback that sends a tick and sleeps a second,
	 * until its client leaves.
	 */
	@GetMapping("/starter/sleepy")
	SseEmitter starterSleepy() {
		return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
			for (long tick = 0; stream.send(tick, "tick"); tick++) {
				TimeUnit.SECONDS.sleep(1);
			}
		});
	}

	@GetMapping("/starter/idle")
	SseEmitter starterIdle() {
		return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
			CountDownLatch mine = new CountDownLatch(1);
			this.idleLatches.add(mine);
			try {
				while (!stream.isClosed() && !mine.await(200, TimeUnit.MILLISECONDS)) {
					// wait for the release or the client to leave
				}
			}
			finally {
				this.idleLatches.remove(mine);
			}
		});
	}

	@PostMapping("/bench/release")
	Map<String, Object> releaseIdle() {
		this.idleLatches.forEach(CountDownLatch::countDown);
		for (SseEmitter emitter : Set.copyOf(this.plainOpen)) {
			emitter.complete();
		}
		this.plainSubscribers.clear();
		return state();
	}

	@GetMapping("/bench/state")
	Map<String, Object> state() {
		return Map.of("plainOpen", this.plainOpen.size(), "starterOpen", this.service.openStreams(), "plainSubscribers",
				this.plainSubscribers.size(), "threads", ManagementFactory.getThreadMXBean().getThreadCount());
	}

	/** Heap in use after full collections, in bytes. */
	@GetMapping("/bench/heap")
	Map<String, Object> heap() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			TimeUnit.MILLISECONDS.sleep(200);
		}
		return Map.of("used", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), "rss", rss());
	}

	/** Resident set size of this process (Linux), or -1. */
	private static long rss() {
		try {
			for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
				if (line.startsWith("VmRSS:")) {
					return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
				}
			}
		}
		catch (java.io.IOException ex) {
			// not Linux
		}
		return -1;
	}

}
