package dev.sse.internal.stream;

import dev.sse.spi.SseStreamInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.sse.SseService;
import dev.sse.internal.topics.InMemorySseBroker;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The topic path under everything at once, for a bounded time: publishers on several
 * threads, subscribers of several topics, slow readers with tiny receive buffers, clients
 * that leave and come back with {@code Last-Event-ID}, streams cut off by an operator at
 * random, and clients that vanish while their stream opens. The oracle is exact: a client
 * that was never told to reset ends with exactly the published sequence of its topics;
 * one that was (a slow reader whose replay outgrew its buffer) saw only published events,
 * each once, in order; and at the end no stream, subscription, timer or draining writer
 * is left.
 *
 * <p>
 * Seeded: {@code -Dsse.stress.seed=N} replays a run, {@code -Dsse.stress.seconds=N} runs
 * longer. A failure names its seed.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.topics.history.size=100000", "sse.topics.buffer-size=256KB",
				"sse.slow-client.stall-timeout=2s", "sse.disconnect-detection-interval=1s",
				"sse.keep-alive-interval=0" })
class TopicStressTest extends ServerTestSupport {

	private static final long SEED = Long.getLong("sse.stress.seed", 20261125L);

	private static final Duration RUN = Duration.ofSeconds(Long.getLong("sse.stress.seconds", 6));

	private static final List<String> TOPICS = List.of("t0", "t1", "t2", "t3", "t4", "t5");

	@Autowired
	private SseService sse;

	@Autowired
	private DefaultSseService service;

	@Autowired
	private InMemorySseBroker broker;

	private record Published(long id, String topic, String data) {
	}

	private final ConcurrentLinkedQueue<Published> published = new ConcurrentLinkedQueue<>();

	private volatile boolean stop;

	private volatile String startPosition;

	/**
	 * One logical client: reconnects with the last id it saw until it has seen every
	 * topic's end.
	 */
	private final class Reader implements Runnable {

		final String name;

		final Set<String> topics;

		final boolean slow;

		final Random random;

		final List<Event> received = new CopyOnWriteArrayList<>();

		final Set<String> ended = Collections.synchronizedSet(new HashSet<>());

		volatile boolean reset;

		volatile boolean done;

		volatile int connections;

		Reader(String name, Set<String> topics, boolean slow, long seed) {
			this.name = name;
			this.topics = topics;
			this.slow = slow;
			this.random = new Random(seed);
		}

		@Override
		public void run() {
			// What a browser's EventSource takes from the opening's id field (OkHttp
			// keeps it to itself):
			// the position before anything was published, so a first connection cut short
			// misses nothing.
			String last = TopicStressTest.this.startPosition;
			StringBuilder path = new StringBuilder("/topics/subscribe?");
			this.topics.forEach((t) -> path.append("topic=").append(t).append('&'));
			while (!this.done && !TopicStressTest.this.stop) {
				String[] headers = (last != null) ? new String[] { "Last-Event-ID", last } : new String[0];
				EventClient client = this.slow ? EventClient.connect(TopicStressTest.this.port, 4096, (e) -> slowDown(),
						path.toString(), headers)
						: EventClient.connect(TopicStressTest.this.port, path.toString(), headers);
				this.connections++;
				int leaveAfter = this.slow ? Integer.MAX_VALUE : 20 + this.random.nextInt(300);
				int read = 0;
				try {
					while (!TopicStressTest.this.stop) {
						Event event = client.poll(Duration.ofMillis(100));
						if (event == null) {
							if (client.isClosed()) {
								break;
							}
							continue;
						}
						if (event.type().equals("sse-reset")) {
							this.reset = true;
							continue;
						}
						this.received.add(event);
						last = event.id();
						if (event.data().startsWith("end:")) {
							this.ended.add(event.data().substring(4));
							if (this.ended.containsAll(this.topics)) {
								this.done = true;
								return;
							}
						}
						if (++read >= leaveAfter) {
							break;
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				finally {
					client.close();
				}
			}
		}

		private void slowDown() {
			if (this.random.nextInt(4) == 0) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(this.random.nextInt(3)));
			}
		}

	}

	@Test
	void everyCleanClientEndsWithExactlyThePublishedSequenceAndNothingIsLeftBehind() throws Exception {
		System.out.println("TopicStressTest seed " + SEED + " (-Dsse.stress.seed=" + SEED + " to replay)");
		this.startPosition = this.sse.publish("elsewhere", "before everything");
		Random random = new Random(SEED);
		List<Reader> readers = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			Set<String> topics = new LinkedHashSet<>();
			for (int n = 1 + random.nextInt(3); topics.size() < n;) {
				topics.add(TOPICS.get(random.nextInt(TOPICS.size())));
			}
			readers.add(new Reader("reader-" + i, topics, i >= 8, random.nextLong()));
		}
		List<Thread> threads = new ArrayList<>();
		readers.forEach((r) -> threads.add(new Thread(r, r.name)));
		threads.forEach(Thread::start);
		await().atMost(WAIT)
			.until(() -> readers.stream().allMatch((r) -> r.connections > 0)
					&& this.service.openStreams() >= readers.size());
		List<Thread> chaos = new ArrayList<>();
		for (int p = 0; p < 3; p++) {
			long seed = random.nextLong();
			chaos.add(new Thread(() -> publish(new Random(seed)), "publisher-" + p));
		}
		long flashSeed = random.nextLong();
		chaos.add(new Thread(() -> flashClients(new Random(flashSeed)), "flash"));
		long evictSeed = random.nextLong();
		chaos.add(new Thread(() -> evictions(new Random(evictSeed)), "evictor"));
		long deadline = System.nanoTime() + RUN.toNanos();
		chaos.forEach(Thread::start);
		for (Thread thread : chaos) {
			thread.join(RUN.toMillis() + 30_000);
		}
		assertThat(System.nanoTime()).as("seed " + SEED).isGreaterThanOrEqualTo(deadline);
		for (String topic : TOPICS) {
			record(topic, this.sse.publish(topic, "end:" + topic));
		}
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> readers.stream().allMatch((r) -> r.done));
		}
		finally {
			this.stop = true;
			for (Thread thread : threads) {
				thread.join(10_000);
			}
		}
		Map<Long, Published> byId = new HashMap<>();
		this.published.forEach((p) -> byId.put(p.id(), p));
		List<Published> ordered = new ArrayList<>(this.published);
		ordered.sort(Comparator.comparingLong(Published::id));
		int clean = 0;
		for (Reader reader : readers) {
			List<String> expected = ordered.stream()
				.filter((p) -> reader.topics.contains(p.topic()))
				.map(Published::data)
				.toList();
			String who = "seed " + SEED + ", " + reader.name + " " + reader.topics + " after " + reader.connections
					+ " connections";
			if (!reader.reset) {
				List<String> got = reader.received.stream().map(Event::data).toList();
				assertThat(difference(expected, got)).as(who).isEqualTo("same");
				clean++;
			}
			else {
				assertThat(reader.slow).as(who + ": only a slow reader may be told to reset").isTrue();
				long previous = 0;
				for (Event event : reader.received) {
					long id = Long.parseLong(event.id());
					assertThat(id).as(who).isGreaterThan(previous);
					previous = id;
					Published p = byId.get(id);
					assertThat(p).as(who + ": event " + id + " was published").isNotNull();
					assertThat(event.data()).as(who).isEqualTo(p.data());
					assertThat(reader.topics).as(who).contains(p.topic());
				}
			}
		}
		assertThat(clean).as("seed " + SEED + ": clients with the exact sequence").isGreaterThanOrEqualTo(8);
		// Nothing left behind: streams, subscriptions, writers finishing, timers.
		StreamContext context = this.service.context();
		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(this.service.openStreams()).as("seed " + SEED + ": open streams").isZero();
			assertThat(this.broker.subscriberCount()).as("seed " + SEED + ": subscriptions").isZero();
			assertThat(context.registry().drainingCount()).as("seed " + SEED + ": draining writers").isZero();
			assertThat(context.executors().scheduledTasks()).as("seed " + SEED + ": timers").isEqualTo(1);
			// Every request the starter completed, the container finished
			// (ClientResetTest
			// also checks Tomcat's own count, which a reset racing a completion can leave
			// one
			// too high).
			assertThat(context.registry().unconfirmedCount()).as("seed " + SEED + ": unfinished requests").isZero();
		});
	}

	/** Where two sequences part, shortly, so a failure reads at a glance. */
	private static String difference(List<String> expected, List<String> got) {
		int i = 0;
		while (i < expected.size() && i < got.size() && expected.get(i).equals(got.get(i))) {
			i++;
		}
		if (i == expected.size() && i == got.size()) {
			return "same";
		}
		return "expected " + expected.size() + " events, got " + got.size() + "; first difference at " + i
				+ ": expected " + head((i < expected.size()) ? expected.get(i) : "(end)") + ", got "
				+ head((i < got.size()) ? got.get(i) : "(end)");
	}

	private static String head(String text) {
		return (text.length() > 40) ? text.substring(0, 40) + "..." : text;
	}

	private void record(String topic, String id) {
		// The data says its topic, so a client can tell where an event came from.
		this.published.add(new Published(Long.parseLong(id), topic, "end:" + topic));
	}

	private void publish(Random random) {
		long end = System.nanoTime() + RUN.toNanos();
		int n = 0;
		while (System.nanoTime() < end) {
			String topic = TOPICS.get(random.nextInt(TOPICS.size()));
			String data = topic + ":" + Thread.currentThread().getName() + ":" + n++ + ":"
					+ "p".repeat(random.nextInt((random.nextInt(10) == 0) ? 20_000 : 600));
			String id = this.sse.publish(topic, data);
			this.published.add(new Published(Long.parseLong(id), topic, data));
			LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(3000)));
		}
	}

	/**
	 * Clients that go away at any moment of their stream's opening, before or after it
	 * registers.
	 */
	private void flashClients(Random random) {
		long end = System.nanoTime() + RUN.toNanos();
		while (System.nanoTime() < end) {
			String topic = TOPICS.get(random.nextInt(TOPICS.size()));
			try (Socket socket = new Socket("127.0.0.1", this.port)) {
				OutputStream out = socket.getOutputStream();
				out.write(("GET /topics/subscribe?topic=" + topic + " HTTP/1.1\r\nHost: x\r\n"
						+ "Accept: text/event-stream\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(5000)));
				if (random.nextBoolean()) {
					socket.setSoLinger(true, 0);
				}
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}
	}

	/** An operator cutting off streams at random. */
	private void evictions(Random random) {
		long end = System.nanoTime() + RUN.toNanos();
		while (System.nanoTime() < end) {
			List<SseStreamInfo> open = this.service.streams();
			if (!open.isEmpty()) {
				this.service.evict(open.get(random.nextInt(open.size())).id());
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20 + random.nextInt(200)));
		}
	}

}
