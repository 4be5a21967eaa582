package dev.sse.it.observability;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every sse.* meter moves as streams open, send and end, for each reason. */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "sse.disconnect-detection-interval=1s")
class MetricsTest extends ServerTestSupport {

	@Autowired
	private MeterRegistry registry;

	@Autowired
	private DefaultSseService service;

	private double closed(String uri, String mode, String reason) {
		Counter counter = Search.in(this.registry)
			.name("sse.connections.closed")
			.tags("uri", uri, "mode", mode, "reason", reason)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private double counter(String name, String uri, String mode) {
		Counter counter = Search.in(this.registry).name(name).tags("uri", uri, "mode", mode).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private double failures(String uri, String reason) {
		Counter counter = Search.in(this.registry)
			.name("sse.send.failures")
			.tags("uri", uri, "reason", reason)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void aCompletedStreamCountsOpenedClosedEventsBytesAndDuration() throws Exception {
		double opened = counter("sse.connections.opened", "/basic", "sync");
		double events = counter("sse.events.sent", "/basic", "sync");
		double bytes = counter("sse.events.bytes", "/basic", "sync");
		double completed = closed("/basic", "sync", "completed");
		String body;
		try (RawSseClient raw = RawSseClient.get(this.port, "/basic")) {
			body = raw.awaitEnd(WAIT);
		}
		await().atMost(WAIT).until(() -> closed("/basic", "sync", "completed") == completed + 1);
		assertThat(counter("sse.connections.opened", "/basic", "sync")).isEqualTo(opened + 1);
		assertThat(counter("sse.events.sent", "/basic", "sync")).isEqualTo(events + 5);
		assertThat(counter("sse.events.bytes", "/basic", "sync") - bytes)
			.isEqualTo(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
		assertThat(this.registry.get("sse.connections.duration").tags("uri", "/basic", "mode", "sync").timer().count())
			.isGreaterThanOrEqualTo(1);
		assertThat(this.registry.get("sse.connections.active")
			.tags("uri", "/basic", "mode", "sync")
			.longTaskTimer()
			.activeTasks()).isZero();
	}

	@Test
	void openStreamsShowTheirCountAndAgeAndTheAsyncCallbacksAgainstTheirBound() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.signals.fire("hold.latch", release);
		try (RawSseClient a = RawSseClient.get(this.port, "/hold");
				RawSseClient b = RawSseClient.get(this.port, "/hold")) {
			a.awaitBodyContaining("event: held", WAIT);
			b.awaitBodyContaining("event: held", WAIT);
			await().atMost(WAIT).until(() -> active("/hold", "async") == 2);
			LongTaskTimer open = this.registry.get("sse.connections.active")
				.tags("uri", "/hold", "mode", "async")
				.longTaskTimer();
			// The age of the oldest open stream grows while it stays open.
			double age = open.max(TimeUnit.MILLISECONDS);
			await().atMost(WAIT).until(() -> open.max(TimeUnit.MILLISECONDS) > age);
			assertThat(this.registry.get("sse.callbacks.running").tag("mode", "async").gauge().value())
				.isGreaterThanOrEqualTo(2);
			// Java 17 runs async callbacks on platform threads, at most 200 at once.
			if (Runtime.version().feature() < 21) {
				assertThat(this.registry.get("sse.callbacks.limit").tag("mode", "async").gauge().value())
					.isEqualTo(200);
			}
			release.countDown();
			a.awaitEnd(WAIT);
			b.awaitEnd(WAIT);
			await().atMost(WAIT).until(() -> active("/hold", "async") == 0);
		}
		finally {
			release.countDown();
		}
	}

	private double active(String uri, String mode) {
		LongTaskTimer open = Search.in(this.registry)
			.name("sse.connections.active")
			.tags("uri", uri, "mode", mode)
			.longTaskTimer();
		return (open != null) ? open.activeTasks() : -1;
	}

	@Test
	void aStreamsLongRequestStaysOutOfHttpServerRequestsWhileOrdinaryAndRefusedRequestsStayIn() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/basic")) {
			raw.awaitEnd(WAIT);
		}
		try (RawSseClient raw = RawSseClient.get(this.port, "/ping", "Accept: text/plain")) {
			raw.awaitEnd(WAIT);
		}
		await().atMost(WAIT)
			.until(() -> Search.in(this.registry).name("http.server.requests").tag("uri", "/ping").timer() != null);
		await().atMost(WAIT).until(() -> closed("/basic", "sync", "completed") >= 1);
		assertThat(Search.in(this.registry).name("http.server.requests").tag("uri", "/basic").timers()).isEmpty();
		assertThat(this.registry.get("sse.connections.duration").tag("uri", "/basic").timer().count()).isPositive();
	}

	@Test
	void gaugesShowTopicsHistoryAndQueuedBytesAndTheStartersPoolsHaveBootsExecutorMetrics() throws Exception {
		this.service.publish("gauge-topic", "kept for replay");
		assertThat(this.registry.get("sse.topics").gauge().value()).isGreaterThanOrEqualTo(1);
		assertThat(this.registry.get("sse.topics.history").gauge().value()).isGreaterThanOrEqualTo(1);
		assertThat(this.registry.get("sse.connections.queued").gauge().value()).isGreaterThanOrEqualTo(0);
		for (String pool : new String[] { "sseWriterExecutor", "sseHousekeepingScheduler" }) {
			assertThat(Search.in(this.registry).name("executor.pool.size").tag("name", pool).gauge()).as(pool)
				.isNotNull();
		}
	}

	@Test
	void everyReasonAStreamEndsForIsCounted() throws Exception {
		double timeout = closed("/timeout", "async", "timeout");
		double error = closed("/fail", "sync", "error");
		double client = closed("/idle", "sync", "client");
		double clientFailures = failures("/idle", "client");
		try (RawSseClient raw = RawSseClient.get(this.port, "/timeout?async=true")) {
			raw.awaitEnd(WAIT);
		}
		try (RawSseClient raw = RawSseClient.get(this.port, "/fail")) {
			raw.awaitEnd(WAIT);
		}
		RawSseClient idle = RawSseClient.get(this.port, "/idle");
		idle.awaitBodyContaining(": ok\n\n", WAIT);
		this.signals.await("idle.open", WAIT);
		idle.close();
		await().atMost(WAIT).until(() -> closed("/timeout", "async", "timeout") == timeout + 1);
		await().atMost(WAIT).until(() -> closed("/fail", "sync", "error") == error + 1);
		await().atMost(WAIT).until(() -> closed("/idle", "sync", "client") == client + 1);
		assertThat(failures("/idle", "client")).isEqualTo(clientFailures + 1);
	}

	@Test
	void anEvictedStreamIsCounted() throws Exception {
		double evicted = closed("/hold", "async", "evicted");
		CountDownLatch release = new CountDownLatch(1);
		this.signals.fire("hold.latch", release);
		try (RawSseClient raw = RawSseClient.get(this.port, "/hold")) {
			raw.awaitBodyContaining("event: held", WAIT);
			String id = await().atMost(WAIT)
				.until(() -> this.service.streams()
					.stream()
					.filter((s) -> s.route().equals("/hold"))
					.map((s) -> s.id())
					.findFirst()
					.orElse(null), (v) -> v != null);
			assertThat(this.service.evict(id)).isTrue();
			raw.awaitEnd(WAIT);
			await().atMost(WAIT).until(() -> closed("/hold", "async", "evicted") == evicted + 1);
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void invalidAndUnserializableSendsAreCountedAsFailures() throws Exception {
		double invalid = failures("/bad-input", "invalid");
		double serialization = failures("/unserializable", "serialization");
		try (RawSseClient raw = RawSseClient.get(this.port, "/bad-input")) {
			raw.awaitEnd(WAIT);
		}
		try (RawSseClient raw = RawSseClient.get(this.port, "/unserializable")) {
			assertThat(raw.awaitEnd(WAIT)).isEqualTo(": ok\n\ndata: ok\n\n");
		}
		assertThat(this.signals.<String>await("unserializable.error", WAIT)).contains("Exploding").contains("JSON");
		assertThat(failures("/bad-input", "invalid")).isEqualTo(invalid + 5);
		assertThat(failures("/unserializable", "serialization")).isEqualTo(serialization + 1);
	}

	@Test
	void theUriTagIsTheRoutePatternNeverTheRawPath() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/items/42/stream")) {
			raw.awaitEnd(WAIT);
		}
		try (RawSseClient raw = RawSseClient.get(this.port, "/items/43/stream")) {
			raw.awaitEnd(WAIT);
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> counter("sse.connections.opened", "/items/{id}/stream", "sync") >= 2);
		assertThat(Search.in(this.registry).name("sse.connections.opened").tag("uri", "/items/42/stream").counter())
			.isNull();
	}

}
