package dev.sse.it.topics;

import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sse.SseService;
import dev.sse.SseStreamRejectedException;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Topics on a real server: fan-out, replay across reconnects, and a client that stops
 * reading.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.slow-client.stall-timeout=3s", "sse.disconnect-detection-interval=1s" })
class TopicsTest extends ServerTestSupport {

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	@Autowired
	private SseService sse;

	@Autowired
	private DefaultSseService service;

	@Autowired
	private MeterRegistry registry;

	private String publish(String topic, String event, String data) throws Exception {
		return HTTP.send(HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/topics/publish?topic=" + topic
					+ ((event != null) ? "&event=" + event : "")))
			.POST(HttpRequest.BodyPublishers.ofString(data))
			.header("Content-Type", "text/plain")
			.build(), HttpResponse.BodyHandlers.ofString()).body();
	}

	private long openTopicStreams(String route) {
		return this.service.streams().stream().filter((s) -> s.mode() == dev.sse.spi.StreamMode.TOPIC).count();
	}

	@Test
	void everySubscriberGetsEveryEventWithItsIdInOrder() throws Exception {
		try (EventClient a = EventClient.connect(this.port, "/topics/subscribe?topic=news");
				EventClient b = EventClient.connect(this.port, "/topics/subscribe?topic=news")) {
			await().atMost(WAIT).until(() -> openTopicStreams("/topics/subscribe") >= 2);
			List<String> ids = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				ids.add(publish("news", "update", "n" + i));
			}
			for (EventClient client : List.of(a, b)) {
				for (int i = 0; i < 20; i++) {
					assertThat(client.next(WAIT)).isEqualTo(new Event("update", "n" + i, ids.get(i)));
				}
			}
		}
	}

	@Test
	void aSubscriberOfTwoTopicsGetsBothWithIncreasingIds() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/topics/subscribe?topic=x&topic=y")) {
			await().atMost(WAIT).until(() -> this.service.streams().stream().anyMatch((s) -> s.topics().contains("y")));
			this.sse.publish("x", "1");
			this.sse.publish("z", "ignored");
			this.sse.publish("y", "2");
			this.sse.publish("x", "3");
			List<Event> events = List.of(client.next(WAIT), client.next(WAIT), client.next(WAIT));
			assertThat(events).extracting(Event::data).containsExactly("1", "2", "3");
			long[] ids = events.stream().mapToLong((e) -> Long.parseLong(e.id())).toArray();
			assertThat(ids[0]).isLessThan(ids[1]);
			assertThat(ids[1]).isLessThan(ids[2]);
		}
	}

	@Test
	void clientsThatDropAndReconnectAtRandomEndUpWithExactlyThePublishedSequence() throws Exception {
		List<String> published = new CopyOnWriteArrayList<>();
		int clients = 5;
		List<List<String>> received = new ArrayList<>();
		List<Thread> readers = new ArrayList<>();
		for (int c = 0; c < clients; c++) {
			List<String> mine = new CopyOnWriteArrayList<>();
			received.add(mine);
			Random random = new Random(c);
			Thread reader = new Thread(() -> {
				String last = null;
				try {
					while (true) {
						EventClient client = (last == null)
								? EventClient.connect(this.port, "/topics/subscribe?topic=ticker") : EventClient
									.connect(this.port, "/topics/subscribe?topic=ticker", "Last-Event-ID", last);
						try {
							int take = 5 + random.nextInt(40);
							for (int i = 0; i < take; i++) {
								Event e = client.next(Duration.ofSeconds(20));
								if (e.type().equals("sse-reset")) {
									throw new AssertionError("unexpected reset");
								}
								mine.add(e.data());
								last = e.id();
								if (e.data().equals("end")) {
									return;
								}
							}
						}
						finally {
							client.close();
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			readers.add(reader);
		}
		// Every client is subscribed before the first event.
		readers.forEach(Thread::start);
		await().atMost(WAIT)
			.until(() -> this.service.streams()
				.stream()
				.filter((s) -> s.topics().contains("ticker"))
				.count() == clients);
		for (int i = 0; i < 1500; i++) {
			String data = (i == 1499) ? "end" : "t" + i;
			this.sse.publish("ticker", data);
			published.add(data);
			if (i % 25 == 24) {
				// Keep publishing interleaved with the clients' reads and reconnects, and
				// never let the
				// slowest fall further behind than the history (1,000 events) covers.
				int sent = i + 1;
				await().atMost(WAIT)
					.until(() -> received.stream().anyMatch((r) -> r.size() >= sent - 50)
							&& received.stream().allMatch((r) -> r.size() >= sent - 800));
			}
		}
		for (Thread reader : readers) {
			reader.join(60_000);
		}
		for (List<String> mine : received) {
			assertThat(mine).isEqualTo(published);
		}
	}

	@Test
	void aTopicNameWithALoneSurrogateIsRefusedNamingIt() {
		// Possible in a name decoded from JSON ("\ud800"); it has no UTF-8 form.
		org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
			.isThrownBy(() -> this.sse.publish("news\uD800", "x"))
			.withMessageContaining("lone surrogate");
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> this.sse.subscribe("\uDBFF"))
			.isInstanceOf(SseStreamRejectedException.class)
			.hasMessageContaining("lone surrogate")
			.satisfies((ex) -> assertThat(((SseStreamRejectedException) ex).getStatusCode().value()).isEqualTo(400));
	}

	@Test
	void topicStreamsHonourRetryKeepAliveAndTimeout() throws Exception {
		double timeouts = closedFor("timeout");
		try (RawSseClient raw = RawSseClient.get(this.port,
				"/topics/subscribe-with?topic=opts&keepAliveMillis=200&timeoutMillis=1500")) {
			String body = raw.awaitEnd(WAIT);
			assertThat(body).matches("(?s): ok\nretry: 2000\nid: [0-9]+\n\n: keep-alive\n.*");
			assertThat(body.split(": keep-alive\n", -1).length).isGreaterThan(3);
		}
		await().atMost(WAIT).until(() -> closedFor("timeout") == timeouts + 1);
	}

	private double closedFor(String reason) {
		var counter = Search.in(this.registry)
			.name("sse.connections.closed")
			.tags("uri", "/topics/subscribe-with", "mode", "topic", "reason", reason)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void theOpeningSetsTheClientsLastEventIdSoAReconnectBeforeAnyEventMissesNothing() throws Exception {
		this.sse.publish("position", "before the subscription");
		String position;
		try (RawSseClient raw = RawSseClient.get(this.port, "/topics/subscribe?topic=position")) {
			String opening = raw.awaitBodyContaining("\n\n", WAIT);
			assertThat(opening).matches(": ok\nid: [0-9]+\n\n");
			position = opening.substring(opening.indexOf("id: ") + 4, opening.indexOf("\n\n"));
		}
		// The client left before any event; these are published while it is away.
		String first = this.sse.publish("position", "missed 1");
		this.sse.publish("position", "missed 2");
		assertThat(Long.parseLong(first)).isGreaterThan(Long.parseLong(position));
		try (EventClient client = EventClient.connect(this.port, "/topics/subscribe?topic=position", "Last-Event-ID",
				position)) {
			assertThat(client.next(WAIT).data()).isEqualTo("missed 1");
			assertThat(client.next(WAIT).data()).isEqualTo("missed 2");
		}
	}

	@Test
	void aResumedStreamsOpeningLeavesTheClientsLastEventIdAlone() throws Exception {
		String seen = this.sse.publish("resume", "before");
		String second = this.sse.publish("resume", "missed 1");
		String third = this.sse.publish("resume", "missed 2");
		try (RawSseClient raw = RawSseClient.get(this.port, "/topics/subscribe?topic=resume",
				"Last-Event-ID: " + seen)) {
			// No id in the opening: a client that loses the connection before the replay
			// reaches it resumes from its own id again, not past the replay.
			assertThat(raw.awaitBodyContaining("data: missed 2\n\n", WAIT))
				.isEqualTo(": ok\n\nid: " + second + "\ndata: missed 1\n\nid: " + third + "\ndata: missed 2\n\n");
		}
	}

	@Test
	void aReloadedPageResumesWithTheLastEventIdParameter() throws Exception {
		String seen = this.sse.publish("reload", "before");
		this.sse.publish("reload", "missed 1");
		this.sse.publish("reload", "missed 2");
		try (EventClient client = EventClient.connect(this.port,
				"/topics/subscribe?topic=reload&lastEventId=" + seen)) {
			assertThat(client.next(WAIT).data()).isEqualTo("missed 1");
			assertThat(client.next(WAIT).data()).isEqualTo("missed 2");
		}
	}

	@Test
	void aLastEventIdOlderThanTheHistoryStartsWithAReset() throws Exception {
		String first = this.sse.publish("short", "0");
		for (int i = 1; i < 1200; i++) {
			this.sse.publish("short", Integer.toString(i));
		}
		try (EventClient client = EventClient.connect(this.port, "/topics/subscribe?topic=short", "Last-Event-ID",
				first)) {
			Event reset = client.next(WAIT);
			assertThat(reset.type()).isEqualTo("sse-reset");
			assertThat(reset.data()).isEqualTo("{\"reset\":true}");
			await().atMost(WAIT)
				.until(() -> this.service.streams().stream().anyMatch((s) -> s.topics().contains("short")));
			this.sse.publish("short", "live");
			assertThat(client.next(WAIT).data()).isEqualTo("live");
		}
	}

	@Test
	void fiftyHealthySubscribersGetEverythingWhileOneThatNeverReadsIsCutOff() throws Exception {
		double evictedBefore = evicted();
		// A client that never reads, with a small receive window: the server's writes
		// stall.
		Socket stuck = new Socket();
		stuck.setReceiveBufferSize(4096);
		stuck.connect(new java.net.InetSocketAddress("127.0.0.1", this.port));
		stuck.getOutputStream()
			.write(("GET /topics/subscribe?topic=burst HTTP/1.1\r\nHost: x\r\n" + "Accept: text/event-stream\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
		List<EventClient> healthy = new ArrayList<>();
		try {
			for (int i = 0; i < 50; i++) {
				healthy.add(EventClient.connect(this.port, "/topics/subscribe?topic=burst"));
			}
			await().atMost(WAIT)
				.until(() -> this.service.streams().stream().filter((s) -> s.topics().contains("burst")).count() == 51);
			char[] chars = new char[8 * 1024];
			Arrays.fill(chars, 'p');
			String payload = new String(chars);
			for (int i = 0; i < 1000; i++) {
				this.sse.publish("burst", i + ":" + payload);
			}
			for (EventClient client : healthy) {
				for (int i = 0; i < 1000; i++) {
					assertThat(client.next(Duration.ofSeconds(30)).data()).startsWith(i + ":");
				}
			}
			// The stuck client is evicted within the stall timeout (3 s here) plus a few
			// seconds.
			await().atMost(Duration.ofSeconds(8)).until(() -> evicted() == evictedBefore + 1);
			assertThat(this.service.streams().stream().filter((s) -> s.topics().contains("burst")).count())
				.isEqualTo(50);
		}
		finally {
			healthy.forEach(EventClient::close);
			stuck.close();
		}
	}

	private double evicted() {
		var counter = Search.in(this.registry)
			.name("sse.connections.closed")
			.tags("uri", "/topics/subscribe", "mode", "topic", "reason", "slow_client")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void idleSubscribersHoldNoThread() throws Exception {
		long sseThreadsBefore = sseThreads();
		List<RawSseClient> idle = new ArrayList<>();
		try {
			for (int i = 0; i < 200; i++) {
				idle.add(RawSseClient.get(this.port, "/topics/subscribe?topic=idle-" + i));
			}
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(this.service.streams()
					.stream()
					.filter((s) -> s.topics().stream().anyMatch((t) -> t.startsWith("idle-")))
					.count()).isEqualTo(200));
			assertThat(sseThreads()).isLessThanOrEqualTo(sseThreadsBefore + 4);
			for (RawSseClient client : idle) {
				assertThat(client.header("Content-Type")).isEqualToIgnoringCase("text/event-stream;charset=UTF-8");
			}
		}
		finally {
			for (RawSseClient client : idle) {
				client.close();
			}
		}
		await().atMost(WAIT)
			.until(() -> this.service.streams()
				.stream()
				.noneMatch((s) -> s.topics().stream().anyMatch((t) -> t.startsWith("idle-"))));
	}

	private static long sseThreads() {
		return Arrays.stream(ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
			.filter((t) -> t.getThreadName().startsWith("sse-"))
			.count();
	}

}
