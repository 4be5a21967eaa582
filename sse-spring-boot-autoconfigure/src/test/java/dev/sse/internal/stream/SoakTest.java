package dev.sse.internal.stream;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.topics.InMemorySseBroker;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Soak: 2,000 streams at once for a fixed time (topic subscribers, slow readers with tiny
 * receive buffers, async and sync callback streams), each client leaving at random and
 * coming back with {@code Last-Event-ID}, while publishers run. The oracle is exact:
 * every well-behaved topic client ends with exactly the published sequence of its topics;
 * a slow one only ever sees published events, each once, in order (it may be told to
 * reset); a callback stream's ticks arrive without a gap. At the end nothing is left: no
 * stream, subscription, running callback, timer, queued byte or unfinished request, the
 * starter's threads are back to their number before, and the heap returns near its
 * baseline.
 *
 * <p>
 * Seeded: {@code -Dsse.soak.seed=N} replays a run, {@code -Dsse.soak.seconds=N} soaks
 * longer (CI: 30 s), {@code -Dsse.soak.clients=N} changes the 2,000.
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.topics.history.size=100000", "sse.topics.buffer-size=256KB",
				"sse.slow-client.stall-timeout=3s", "sse.disconnect-detection-interval=1s", "sse.keep-alive-interval=0",
				"server.tomcat.max-connections=5000", "sse.max-sync-streams=120",
				// Tomcat otherwise keeps every closed connection's channel, each holding
				// its
				// processor's buffers (~100 KB), for reuse: see LeanTomcatConnections.
				"sse.tomcat.lean-connections=true" })
@Import(SoakTest.Tickers.class)
class SoakTest extends ServerTestSupport {

	private static final long SEED = Long.getLong("sse.soak.seed", System.nanoTime());

	private static final Duration RUN = Duration.ofSeconds(Long.getLong("sse.soak.seconds", 30));

	private static final int CLIENTS = Integer.getInteger("sse.soak.clients", 2000);

	private static final List<String> TOPICS = List.of("s0", "s1", "s2", "s3");

	@Autowired
	private SseService sse;

	@Autowired
	private DefaultSseService service;

	@Autowired
	private InMemorySseBroker broker;

	@Autowired
	private Tickers tickers;

	private record Published(long id, String topic, String data) {
	}

	private final ConcurrentLinkedQueue<Published> published = new ConcurrentLinkedQueue<>();

	private enum Kind {

		TOPIC, SLOW, ASYNC, SYNC

	}

	/** One logical client over its many connections. */
	private final class Client {

		final int number;

		final Kind kind;

		final Set<String> topics;

		final Random random;

		final List<Event> received = new ArrayList<>();

		final Set<String> ended = new LinkedHashSet<>();

		boolean reset;

		String gap;

		String last;

		int connections;

		long expectedTick;

		int generation;

		EventClient current;

		long leaveAt;

		/** When a client whose stream ended (or was refused) tries again. */
		long retryAt = Long.MAX_VALUE;

		Client(int number, Kind kind, Set<String> topics, String start, long seed) {
			this.number = number;
			this.kind = kind;
			this.topics = topics;
			this.last = start;
			this.random = new Random(seed);
		}

		String path() {
			if (this.kind == Kind.ASYNC || this.kind == Kind.SYNC) {
				return "/soak/ticker?async=" + (this.kind == Kind.ASYNC);
			}
			StringBuilder path = new StringBuilder("/topics/subscribe?");
			this.topics.forEach((t) -> path.append("topic=").append(t).append('&'));
			return path.toString();
		}

		synchronized void connect(boolean leaveAtRandom) {
			int gen = ++this.generation;
			this.connections++;
			this.expectedTick = 0;
			String[] headers = (this.last != null && this.topics != null) ? new String[] { "Last-Event-ID", this.last }
					: new String[0];
			this.current = EventClient.connect(SoakTest.this.port, (this.kind == Kind.SLOW) ? 4096 : 65536,
					(event) -> onEvent(gen, event), path(), headers);
			this.leaveAt = leaveAtRandom
					? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000 + this.random.nextInt(27_000))
					: Long.MAX_VALUE;
		}

		synchronized void leave() {
			this.generation++;
			EventClient client = this.current;
			this.current = null;
			if (client != null) {
				client.close();
			}
		}

		boolean slowDown() {
			if (this.kind == Kind.SLOW && ThreadLocalRandomHolder.next(4) == 0) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
			}
			return true;
		}

		private void onEvent(int gen, Event event) {
			slowDown();
			synchronized (this) {
				// An event the old connection still dispatched after the client left: the
				// next connection replays it from the last id taken.
				if (gen != this.generation) {
					return;
				}
				if (this.topics == null) {
					long tick = Long.parseLong(event.data());
					if (tick != this.expectedTick && this.gap == null) {
						this.gap = "expected tick " + this.expectedTick + ", got " + tick;
					}
					this.expectedTick = tick + 1;
					return;
				}
				if (event.type().equals("sse-reset")) {
					this.reset = true;
					return;
				}
				this.received.add(event);
				this.last = event.id();
				if (event.data().startsWith("end:")) {
					this.ended.add(event.data().substring(4));
				}
			}
		}

		synchronized boolean done() {
			return this.topics == null || this.ended.containsAll(this.topics);
		}

		synchronized boolean closedUnderneath() {
			return this.current == null || this.current.isClosed();
		}

	}

	/** Java 17: no per-client Random shared across threads. */
	private static final class ThreadLocalRandomHolder {

		static int next(int bound) {
			return java.util.concurrent.ThreadLocalRandom.current().nextInt(bound);
		}

	}

	@Test
	void twoThousandStreamsComeAndGoAndLeaveNothingBehind() throws Exception {
		System.out.println("SoakTest seed " + SEED + " (-Dsse.soak.seed=" + SEED + " to replay), " + CLIENTS
				+ " clients, " + RUN.toSeconds() + " s");
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		long heapBefore = settledHeap(memory);
		// Other tests' contexts in this JVM have sse-* threads of their own.
		Set<Thread> threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
		String start = this.sse.publish("elsewhere", "before everything");
		Random random = new Random(SEED);
		List<Client> clients = new ArrayList<>();
		for (int i = 0; i < CLIENTS; i++) {
			int slot = i % 20;
			Kind kind = (slot < 15) ? Kind.TOPIC : (slot < 17) ? Kind.SLOW : (slot < 19) ? Kind.ASYNC : Kind.SYNC;
			Set<String> topics = null;
			if (kind == Kind.TOPIC || kind == Kind.SLOW) {
				topics = new LinkedHashSet<>();
				for (int n = 1 + random.nextInt(2); topics.size() < n;) {
					topics.add(TOPICS.get(random.nextInt(TOPICS.size())));
				}
			}
			clients.add(new Client(i, kind, topics, start, random.nextLong()));
		}
		clients.forEach((c) -> c.connect(true));
		await().atMost(Duration.ofSeconds(60)).until(() -> this.service.openStreams() >= CLIENTS * 9 / 10);
		System.out.println("SoakTest: " + this.service.openStreams() + " streams open");
		AtomicLong peakHeap = new AtomicLong();
		AtomicInteger peakStreams = new AtomicInteger();
		long end = System.nanoTime() + RUN.toNanos();
		List<Thread> publishers = new ArrayList<>();
		for (int p = 0; p < 2; p++) {
			long seed = random.nextLong();
			publishers.add(new Thread(() -> publish(new Random(seed), end), "soak-publisher-" + p));
		}
		publishers.forEach(Thread::start);
		// Clients leave at their time and come back; a stream the server ended (a slow
		// reader evicted) comes back too.
		while (System.nanoTime() < end) {
			long now = System.nanoTime();
			for (Client client : clients) {
				if (now >= client.leaveAt) {
					client.leave();
					client.connect(true);
				}
				else if (client.closedUnderneath()) {
					// As EventSource does: again after the retry delay.
					if (client.retryAt == Long.MAX_VALUE) {
						client.retryAt = now + TimeUnit.MILLISECONDS.toNanos(200 + random.nextInt(800));
					}
					else if (now >= client.retryAt) {
						client.retryAt = Long.MAX_VALUE;
						client.connect(true);
					}
				}
			}
			peakStreams.accumulateAndGet(this.service.openStreams(), Math::max);
			peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
			TimeUnit.MILLISECONDS.sleep(50);
		}
		for (Thread publisher : publishers) {
			publisher.join(30_000);
		}
		for (String topic : TOPICS) {
			String id = this.sse.publish(topic, "end:" + topic);
			this.published.add(new Published(Long.parseLong(id), topic, "end:" + topic));
		}
		// No more random leaving: every topic client reads up to its topics' ends.
		await().atMost(Duration.ofSeconds(90)).until(() -> {
			for (Client client : clients) {
				if (client.closedUnderneath() && !client.done()) {
					client.connect(false);
				}
			}
			return clients.stream().allMatch(Client::done);
		});
		clients.forEach(Client::leave);

		Map<Long, Published> byId = new HashMap<>();
		this.published.forEach((p) -> byId.put(p.id(), p));
		List<Published> ordered = new ArrayList<>(this.published);
		ordered.sort(Comparator.comparingLong(Published::id));
		int exact = 0;
		int resets = 0;
		int connections = 0;
		for (Client client : clients) {
			String who = "seed " + SEED + ", client " + client.number + " " + client.kind + " " + client.topics
					+ " after " + client.connections + " connections";
			connections += client.connections;
			if (client.topics == null) {
				assertThat(client.gap).as(who).isNull();
				continue;
			}
			if (!client.reset) {
				List<String> expected = ordered.stream()
					.filter((p) -> client.topics.contains(p.topic()))
					.map(Published::data)
					.toList();
				assertThat(client.received.stream().map(Event::data).toList()).as(who).isEqualTo(expected);
				exact++;
			}
			else {
				assertThat(client.kind).as(who + ": only a slow reader may be told to reset").isEqualTo(Kind.SLOW);
				resets++;
				long previous = 0;
				for (Event event : client.received) {
					long id = Long.parseLong(event.id());
					assertThat(id).as(who).isGreaterThan(previous);
					previous = id;
					Published p = byId.get(id);
					assertThat(p).as(who + ": event " + id + " was published").isNotNull();
					assertThat(event.data()).as(who).isEqualTo(p.data());
				}
			}
		}
		System.out.printf("SoakTest: %d connections, %d publications, peak %d open streams, %d topic clients exact, "
				+ "%d slow ones reset%n", connections, this.published.size(), peakStreams.get(), exact, resets);
		clients.clear();
		this.published.clear();

		StreamContext context = this.service.context();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(this.service.openStreams()).as("seed " + SEED + ": open streams").isZero();
			assertThat(this.broker.subscriberCount()).as("seed " + SEED + ": subscriptions").isZero();
			assertThat(this.service.runningCallbacks(true)).as("running async callbacks").isZero();
			assertThat(this.service.runningCallbacks(false)).as("running sync callbacks").isZero();
			assertThat(this.tickers.running.get()).as("ticker callbacks still looping").isZero();
			assertThat(this.service.queuedBytes()).as("queued bytes").isZero();
			assertThat(context.registry().drainingCount()).as("draining writers").isZero();
			assertThat(context.executors().scheduledTasks()).as("timers").isEqualTo(1);
			assertThat(context.registry().unconfirmedCount()).as("unfinished requests").isZero();
			assertThat(busyStarterThreads(threadsBefore)).as("the starter's threads not back in their pools").isEmpty();
		});
		long heapAfter = settledHeap(memory);
		System.out.printf("SoakTest heap: before %d MB, peak %d MB, after %d MB%n", heapBefore >> 20,
				peakHeap.get() >> 20, heapAfter >> 20);
		// Tomcat keeps up to server.tomcat.processor-cache (200) processors with their
		// buffers for reuse (~65 KB each with lean connections).
		assertThat(heapAfter - heapBefore).as("heap growth, seed " + SEED).isLessThan(64L << 20);
	}

	private static long settledHeap(MemoryMXBean memory) throws InterruptedException {
		long least = Long.MAX_VALUE;
		for (int i = 0; i < 3; i++) {
			System.gc();
			TimeUnit.MILLISECONDS.sleep(200);
			least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
		}
		return least;
	}

	/**
	 * The starter's threads ({@code sse-*}) started during the soak doing anything but
	 * waiting for work in their pool (pools keep idle threads for a while; none may be
	 * stuck in a write or a callback).
	 */
	private static List<String> busyStarterThreads(Set<Thread> before) {
		List<String> busy = new ArrayList<>();
		Thread.getAllStackTraces().forEach((thread, stack) -> {
			if (before.contains(thread)) {
				return;
			}
			boolean waitingForWork = false;
			for (StackTraceElement frame : stack) {
				waitingForWork |= frame.getMethodName().equals("getTask");
			}
			if (thread.getName().startsWith("sse-") && !waitingForWork && thread.isAlive()
					&& thread.getState() != Thread.State.TERMINATED) {
				busy.add(thread.getName() + " " + List.of(stack).subList(0, Math.min(4, stack.length)));
			}
		});
		return busy;
	}

	private void publish(Random random, long end) {
		int n = 0;
		while (System.nanoTime() < end) {
			String topic = TOPICS.get(random.nextInt(TOPICS.size()));
			String data = topic + ":" + Thread.currentThread().getName() + ":" + n++ + ":"
					+ "p".repeat(random.nextInt((random.nextInt(20) == 0) ? 16_000 : 200));
			String id = this.sse.publish(topic, data);
			this.published.add(new Published(Long.parseLong(id), topic, data));
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10 + random.nextInt(40)));
		}
	}

	/** Callback streams that tick every 100 ms until their client is gone. */
	@TestConfiguration(proxyBeanMethods = false)
	@RestController
	static class Tickers {

		final AtomicInteger running = new AtomicInteger();

		private final SseService sse;

		Tickers(SseService sse) {
			this.sse = sse;
		}

		@GetMapping("/soak/ticker")
		SseEmitter ticker(@RequestParam boolean async) {
			return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				this.running.incrementAndGet();
				try {
					for (long tick = 0; stream.send(Long.toString(tick), "tick"); tick++) {
						TimeUnit.MILLISECONDS.sleep(100);
					}
				}
				finally {
					this.running.decrementAndGet();
				}
			});
		}

	}

}
