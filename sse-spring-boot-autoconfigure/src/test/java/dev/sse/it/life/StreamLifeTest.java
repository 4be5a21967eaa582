package dev.sse.it.life;

import java.time.Duration;
import java.util.List;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stream's life on a real server: close, timeout, errors, keep-alive, disconnect
 * detection, and independence from Spring MVC's async request timeout.
 */
@WireTest
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.disconnect-detection-interval=1s", "spring.mvc.async.request-timeout=1s" })
class StreamLifeTest extends ServerTestSupport {

	@Autowired
	private DefaultSseService service;

	@ParameterizedTest(name = "async={0}")
	@ValueSource(booleans = { false, true })
	void closeEndsTheResponseAtOnceAndLaterSendsWriteNothing(boolean async) throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/close?async=" + async)) {
			// The callback is still running (it waits for close.release), yet the
			// response has ended.
			assertThat(raw.awaitEnd(WAIT)).isEqualTo(": ok\n\ndata: before\n\n");
			assertThat(this.signals.<Boolean>await("close.send-after", WAIT)).isFalse();
			assertThat(this.signals.<Boolean>await("close.comment-after", WAIT)).isFalse();
			assertThat(this.signals.<Boolean>await("close.closed", WAIT)).isTrue();
			this.signals.fire("close.release");
		}
	}

	@ParameterizedTest(name = "async={0}")
	@ValueSource(booleans = { false, true })
	void aTimeoutClosesTheStreamAndInterruptsTheCallback(boolean async) throws Exception {
		long start = System.nanoTime();
		try (RawSseClient raw = RawSseClient.get(this.port, "/timeout?async=" + async)) {
			assertThat(raw.awaitEnd(WAIT)).isEqualTo(": ok\n\ndata: started\n\n");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(this.signals.<Boolean>await("timeout.interrupted", WAIT)).isTrue();
		assertThat(this.signals.<Boolean>await("timeout.closed", WAIT)).isTrue();
		await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
	}

	@ParameterizedTest(name = "async={0}")
	@ValueSource(booleans = { false, true })
	void anExceptionIsLoggedOnceAndTheClientGetsOneErrorEventWithoutDetail(boolean async, CapturedOutput output)
			throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/fail?async=" + async)) {
			List<Event> events = client.awaitClosed(WAIT);
			assertThat(events).containsExactly(new Event("message", "before", null),
					new Event("error", "{\"error\":\"Internal Server Error\"}", null));
		}
		await().atMost(WAIT).until(() -> output.getOut().contains("SSE callback of GET /fail"));
		assertThat(output.getOut().split("SSE callback of GET /fail", -1)).hasSize(2);
		assertThat(output.getOut()).contains("java.lang.IllegalStateException: secret detail")
			.contains("at dev.sse.test.TestApp$Streams");
	}

	@Test
	void keepAliveCommentsGoOutWhileTheStreamIsIdle() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/keep-alive?millis=300")) {
			String body = raw.awaitBody((text) -> text.split(": keep-alive\n", -1).length > 3, WAIT);
			assertThat(body).startsWith(": ok\n\n: keep-alive\n");
			this.signals.fire("keep-alive.release");
			raw.awaitEnd(WAIT);
		}
	}

	@Test
	void aStreamThatKeepsSendingGetsNoKeepAlive() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/busy")) {
			String body = raw.awaitEnd(WAIT);
			assertThat(body).contains("data: 29\n\n").doesNotContain("keep-alive").doesNotContain(":\n");
		}
	}

	@ParameterizedTest(name = "async={0}")
	@ValueSource(booleans = { false, true })
	void aClientLeavingAnIdleStreamIsNoticedWithinTheDetectionInterval(boolean async) throws Exception {
		RawSseClient raw = RawSseClient.get(this.port, "/idle?async=" + async);
		raw.awaitBodyContaining(": ok\n\n", WAIT);
		this.signals.await("idle.open", WAIT);
		await().atMost(WAIT).until(() -> this.service.openStreams() == 1);
		long left = System.nanoTime();
		raw.close();
		// The callback, blocked on a quiet source, is interrupted: it does not hold its
		// thread.
		this.signals.await("idle.closed-after-ms", WAIT);
		Duration noticedAfter = Duration.ofNanos(System.nanoTime() - left);
		assertThat(this.signals.<Boolean>await("idle.closed", WAIT)).isTrue();
		assertThat(this.signals.<Boolean>await("idle.on-close", WAIT)).isTrue();
		// Detection interval 1 s: probes every 500 ms; the second write after the client
		// left fails.
		assertThat(noticedAfter).isLessThan(Duration.ofMillis(2500));
		await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
	}

	@ParameterizedTest(name = "async={0}")
	@ValueSource(booleans = { false, true })
	void springMvcsAsyncRequestTimeoutNeverCutsAStreamShort(boolean async) throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/long?async=" + async)) {
			// 15 ticks 200 ms apart: three times spring.mvc.async.request-timeout.
			List<Event> events = client.awaitClosed(Duration.ofSeconds(20));
			assertThat(events).hasSize(16);
			assertThat(events.get(15)).isEqualTo(new Event("done", "end", null));
		}
	}

}
