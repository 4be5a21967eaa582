package dev.sse.it.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.redis.RedisSseBroker;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.RedisTestServer;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two application instances on one real Redis, as behind a load balancer: whatever
 * instance a publication goes through and whatever instance a client is connected to,
 * every subscriber gets every event of its topics once, in order, with the same ids; a
 * client that reconnects to the other instance, or to an instance that restarted, resumes
 * where it left off.
 */
class RedisMultiInstanceTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static RedisTestServer redis;

	private static int runs;

	private String prefix;

	private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

	@BeforeAll
	static void startRedis() {
		redis = RedisTestServer.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@BeforeEach
	void ownKeys() {
		this.prefix = "multi" + (++runs);
	}

	@AfterEach
	void stopInstances() {
		this.instances.forEach(ConfigurableApplicationContext::close);
	}

	private ConfigurableApplicationContext instance(String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1", "sse.broker.type=redis",
				"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
				"sse.broker.redis.key-prefix=" + this.prefix));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
			.properties(all.toArray(String[]::new))
			.run();
		this.instances.add(context);
		await().atMost(WAIT).until(() -> context.getBean(RedisSseBroker.class).isAvailable());
		return context;
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static SseService sse(ConfigurableApplicationContext context) {
		return context.getBean(SseService.class);
	}

	private static void awaitOpen(ConfigurableApplicationContext context, int streams) {
		DefaultSseService service = context.getBean(DefaultSseService.class);
		await().atMost(WAIT).until(() -> service.openStreams() == streams);
	}

	@Test
	void aPublicationThroughEitherInstanceReachesTheSubscribersOfBothOnceInOrderWithTheSameIds() throws Exception {
		ConfigurableApplicationContext a = instance();
		ConfigurableApplicationContext b = instance();
		try (EventClient onA = EventClient.connect(port(a), "/topics/subscribe?topic=chat");
				EventClient onB = EventClient.connect(port(b), "/topics/subscribe?topic=chat");
				EventClient otherTopic = EventClient.connect(port(b), "/topics/subscribe?topic=other")) {
			awaitOpen(a, 1);
			awaitOpen(b, 2);
			List<Event> published = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				ConfigurableApplicationContext through = (i % 3 == 0) ? b : a;
				String data = "m" + i;
				String id = sse(through).publish("chat", data, "msg");
				published.add(new Event("msg", data, id));
			}
			String otherId = sse(a).publish("other", "o");
			assertThat(receive(onA, published.size())).containsExactlyElementsOf(published);
			assertThat(receive(onB, published.size())).containsExactlyElementsOf(published);
			assertThat(receive(otherTopic, 1)).containsExactly(new Event("message", "o", otherId));
			assertThat(onA.poll(Duration.ofMillis(200))).isNull();
		}
	}

	/**
	 * Publishers on both instances, clients that disconnect and reconnect with their
	 * {@code Last-Event-ID} to a random instance; every client's events, across all its
	 * connections, are its topic's publications in order, without a gap or a duplicate.
	 */
	@Test
	void clientsReconnectingToAnyInstanceMissNothingAndSeeNothingTwice() throws Exception {
		long seed = Long.getLong("sse.test.seed", System.nanoTime());
		System.out.println("RedisMultiInstanceTest seed: " + seed + " (-Dsse.test.seed to replay)");
		Random random = new Random(seed);
		List<ConfigurableApplicationContext> both = List.of(instance("sse.topics.history.size=100000"),
				instance("sse.topics.history.size=100000"));
		List<String> topics = List.of("t0", "t1", "t2");
		Map<String, List<Event>> published = new ConcurrentHashMap<>();
		topics.forEach((t) -> published.put(t, new CopyOnWriteArrayList<>()));
		AtomicBoolean publishing = new AtomicBoolean(true);
		List<Thread> publishers = new ArrayList<>();
		for (int p = 0; p < 2; p++) {
			ConfigurableApplicationContext through = both.get(p);
			Random own = new Random(seed + p + 1);
			Thread publisher = new Thread(() -> {
				int n = 0;
				while (publishing.get()) {
					String topic = topics.get(own.nextInt(topics.size()));
					String data = "p" + through.hashCode() + "-" + (n++);
					// One publisher per topic order: the oracle is the ids' order, which
					// is
					// Redis' order, whatever thread published.
					synchronized (published.get(topic)) {
						String id = sse(through).publish(topic, data);
						published.get(topic).add(new Event("message", data, id));
					}
					// About a thousand publications a second per publisher.
					LockSupport.parkNanos(own.nextInt(2_000_000));
				}
			});
			publishers.add(publisher);
		}
		int clients = 6;
		List<String> clientTopic = new ArrayList<>();
		List<List<Event>> received = new ArrayList<>();
		List<String> lastId = new ArrayList<>();
		for (int c = 0; c < clients; c++) {
			clientTopic.add(topics.get(c % topics.size()));
			received.add(new ArrayList<>());
			lastId.add(null);
		}
		publishers.forEach(Thread::start);
		try {
			for (int round = 0; round < 8; round++) {
				List<EventClient> connected = new ArrayList<>();
				for (int c = 0; c < clients; c++) {
					ConfigurableApplicationContext to = both.get(random.nextInt(2));
					String path = "/topics/subscribe?topic=" + clientTopic.get(c);
					connected.add((lastId.get(c) != null)
							? EventClient.connect(port(to), path, "Last-Event-ID", lastId.get(c))
							: EventClient.connect(port(to), path));
				}
				long until = System.nanoTime() + Duration.ofMillis(50 + random.nextInt(250)).toNanos();
				for (int c = 0; c < clients; c++) {
					EventClient client = connected.get(c);
					while (true) {
						long left = until - System.nanoTime();
						Event event = (left > 0) ? client.poll(Duration.ofNanos(left)) : client.poll(Duration.ZERO);
						if (event == null) {
							break;
						}
						assertThat(event.type()).as("seed %d: client %d, no reset while history covers it", seed, c)
							.isEqualTo("message");
						received.get(c).add(event);
						lastId.set(c, event.id());
					}
				}
				for (int c = 0; c < clients; c++) {
					// The last id the client read is the one it sends back: what it got
					// but
					// did not read yet must come again.
					connected.get(c).close();
				}
			}
		}
		finally {
			publishing.set(false);
			for (Thread publisher : publishers) {
				publisher.join();
			}
		}
		// A last connection each, after the publishers stopped: every client catches up.
		for (int c = 0; c < clients; c++) {
			String topic = clientTopic.get(c);
			List<Event> expected = published.get(topic);
			ConfigurableApplicationContext to = both.get(random.nextInt(2));
			String path = "/topics/subscribe?topic=" + topic;
			try (EventClient client = (lastId.get(c) != null)
					? EventClient.connect(port(to), path, "Last-Event-ID", lastId.get(c))
					: EventClient.connect(port(to), path)) {
				Event last = expected.get(expected.size() - 1);
				List<Event> got = received.get(c);
				while (got.isEmpty() || !got.get(got.size() - 1).equals(last)) {
					got.add(client.next(WAIT));
				}
			}
			List<Event> firstSeen = received.get(c);
			assertThat(firstSeen).as("seed %d: client %d on %s", seed, c, topic).isNotEmpty();
			// The client joined at some point of the topic's history: from there on, all
			// of it.
			int start = expected.indexOf(firstSeen.get(0));
			assertThat(start).as("seed %d: client %d's first event was published", seed, c).isGreaterThanOrEqualTo(0);
			assertThat(firstSeen).as("seed %d: client %d on %s", seed, c, topic)
				.containsExactlyElementsOf(expected.subList(start, expected.size()));
		}
		Map<String, Integer> counts = new HashMap<>();
		published.forEach((topic, events) -> counts.put(topic, events.size()));
		System.out.println("RedisMultiInstanceTest published: " + counts);
	}

	@Test
	void aClientOfAnInstanceThatRestartedGetsWhatWasPublishedMeanwhileThroughTheOther() throws Exception {
		ConfigurableApplicationContext a = instance();
		ConfigurableApplicationContext b = instance();
		String last;
		try (EventClient onB = EventClient.connect(port(b), "/topics/subscribe?topic=orders")) {
			awaitOpen(b, 1);
			String id = sse(a).publish("orders", "o1");
			assertThat(receive(onB, 1)).containsExactly(new Event("message", "o1", id));
			last = id;
		}
		int bPort = port(b);
		b.close();
		List<Event> meanwhile = new ArrayList<>();
		for (int i = 2; i <= 4; i++) {
			meanwhile.add(new Event("message", "o" + i, sse(a).publish("orders", "o" + i)));
		}
		ConfigurableApplicationContext restarted = instance("server.port=" + bPort);
		try (EventClient again = EventClient.connect(port(restarted), "/topics/subscribe?topic=orders", "Last-Event-ID",
				last)) {
			assertThat(receive(again, 3)).containsExactlyElementsOf(meanwhile);
			awaitOpen(restarted, 1);
			String live = sse(a).publish("orders", "o5");
			assertThat(receive(again, 1)).containsExactly(new Event("message", "o5", live));
		}
	}

	@Test
	void aClientAwayLongerThanHistoryGetsAResetFromTheOtherInstance() throws Exception {
		ConfigurableApplicationContext a = instance("sse.topics.history.size=3");
		ConfigurableApplicationContext b = instance("sse.topics.history.size=3");
		String last = sse(a).publish("news", "n1");
		for (int i = 2; i <= 6; i++) {
			sse(a).publish("news", "n" + i);
		}
		try (EventClient client = EventClient.connect(port(b), "/topics/subscribe?topic=news", "Last-Event-ID", last)) {
			assertThat(client.next(WAIT).type()).isEqualTo("sse-reset");
			awaitOpen(b, 1);
			String live = sse(a).publish("news", "n7");
			assertThat(receive(client, 1)).containsExactly(new Event("message", "n7", live));
		}
	}

	/**
	 * Topics spread over four buckets: a client of three of them gets ids that carry a
	 * position per bucket, and resumes from the last one on the other instance exactly.
	 */
	@Test
	void aClientOfTopicsInSeveralBucketsResumesExactlyOnTheOtherInstance() throws Exception {
		ConfigurableApplicationContext a = instance("sse.broker.redis.buckets=4");
		ConfigurableApplicationContext b = instance("sse.broker.redis.buckets=4");
		String path = "/topics/subscribe?topic=red&topic=green&topic=blue";
		List<String> topics = List.of("red", "green", "blue");
		String last;
		List<String> before = new ArrayList<>();
		try (EventClient client = EventClient.connect(port(a), path)) {
			awaitOpen(a, 1);
			for (int i = 0; i < 30; i++) {
				String data = "b" + i;
				sse(b).publish(topics.get(i % 3), data);
				before.add(data);
			}
			List<Event> got = receive(client, 30);
			assertThat(got).extracting(Event::data).containsExactlyInAnyOrderElementsOf(before);
			last = got.get(got.size() - 1).id();
		}
		assertThat(last).contains(":").contains(",");
		Map<String, List<String>> missed = new HashMap<>();
		for (int i = 0; i < 30; i++) {
			missed.computeIfAbsent(topics.get(i % 3), (t) -> new ArrayList<>()).add("m" + i);
			sse(a).publish(topics.get(i % 3), "m" + i);
		}
		try (EventClient again = EventClient.connect(port(b), path, "Last-Event-ID", last)) {
			Map<String, List<String>> got = new HashMap<>();
			for (Event event : receive(again, 30)) {
				assertThat(event.type()).isEqualTo("message");
				String topic = topics.get(Integer.parseInt(event.data().substring(1)) % 3);
				got.computeIfAbsent(topic, (t) -> new ArrayList<>()).add(event.data());
			}
			assertThat(got).isEqualTo(missed);
			assertThat(again.poll(Duration.ofMillis(300))).isNull();
		}
	}

	private static List<Event> receive(EventClient client, int count) throws InterruptedException {
		List<Event> events = new ArrayList<>();
		while (events.size() < count) {
			events.add(client.next(WAIT));
		}
		return events;
	}

}
