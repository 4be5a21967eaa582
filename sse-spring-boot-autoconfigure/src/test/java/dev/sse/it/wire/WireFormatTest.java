package dev.sse.it.wire;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bytes on the wire, read raw from a socket, and the events a spec-compliant client
 * dispatches from them.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.jackson.property-naming-strategy=SNAKE_CASE")
class WireFormatTest extends ServerTestSupport {

	@Test
	void headersAndFirstBytesArriveBeforeTheCallbackSendsAnything() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/retry?millis=0")) {
			assertThat(raw.status()).isEqualTo(200);
			assertThat(raw.header("Content-Type")).isEqualToIgnoringCase("text/event-stream;charset=UTF-8");
			assertThat(raw.header("Cache-Control")).isEqualTo("no-cache, no-transform");
			assertThat(raw.header("X-Accel-Buffering")).isEqualTo("no");
			assertThat(raw.header("Connection")).isNull();
			assertThat(raw.header("Content-Encoding")).isNull();
			assertThat(raw.header("Access-Control-Allow-Origin")).isNull();
			// The callback is still waiting for "retry.release": these bytes came with
			// the opening.
			assertThat(raw.awaitBodyContaining("\n\n", WAIT)).isEqualTo(": ok\n\n");
			this.signals.fire("retry.release");
			assertThat(raw.awaitEnd(WAIT)).isEqualTo(": ok\n\ndata: x\n\n");
		}
	}

	@Test
	void retryGoesOutWithTheFirstBytes() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/retry?millis=3000")) {
			assertThat(raw.awaitBodyContaining("\n\n", WAIT)).isEqualTo(": ok\nretry: 3000\n\n");
			this.signals.fire("retry.release");
			assertThat(raw.awaitEnd(WAIT)).isEqualTo(": ok\nretry: 3000\n\ndata: x\n\n");
		}
	}

	@Test
	void theOpeningNeverDispatchesAnEvent() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/retry?millis=0")) {
			this.signals.fire("retry.release");
			assertThat(client.awaitClosed(WAIT)).containsExactly(new Event("message", "x", null));
		}
	}

	@Test
	void theDocumentedBasicExampleArrivesInOrder() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/basic")) {
			List<Event> events = client.awaitClosed(WAIT);
			assertThat(events).extracting(Event::type).containsExactly("message", "update", "update", "update", "done");
			assertThat(events.get(0).data()).isEqualTo("Hello from server!");
			assertThat(events.get(2).data()).contains("\"progress\":50").doesNotContain("\n");
			assertThat(events.get(4).data()).isEqualTo("{\"complete\":true}");
		}
	}

	@Test
	void syncModeStreamsLiveFromTheRequestThread() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/live?async=false")) {
			assertThat(client.next(WAIT).data()).isEqualTo("one");
			// The callback is blocked until we saw "one": the event was not held back
			// until it returned.
			this.signals.fire("live.seen-one");
			assertThat(client.next(WAIT).data()).isEqualTo("two");
			assertThat(this.signals.<String>await("live.thread", WAIT)).doesNotStartWith("sse-");
		}
	}

	@Test
	void asyncModeStreamsLiveFromTheSseExecutor() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/live?async=true")) {
			assertThat(client.next(WAIT).data()).isEqualTo("one");
			this.signals.fire("live.seen-one");
			assertThat(client.next(WAIT).data()).isEqualTo("two");
			assertThat(this.signals.<String>await("live.thread", WAIT)).startsWith("sse-");
		}
	}

	@Test
	void dataOfEveryKindIsWrittenLineByLine() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/data")) {
			String body = raw.awaitEnd(WAIT);
			assertThat(body).startsWith(": ok\n\n" + "event: case\ndata: plain\n\n"
					+ "event: case\ndata: a\ndata: b\n\n" + "event: case\ndata: a\ndata: b\n\n"
					+ "event: case\ndata: a\ndata: b\n\n" + "event: case\ndata: a\ndata: \n\n"
					+ "event: case\ndata: \ndata: \n\n" + "event: case\ndata: \n\n"
					+ "event: case\ndata:  leading space\n\n" + "event: case\ndata: 42\n\n"
					+ "event: case\ndata: 3.5\n\n" + "event: case\ndata: true\n\n" + "event: case\ndata: null\n\n"
					+ "event: case\ndata: {\"text\":\"line1\\nline2\",\"n\":1}\n\n" + "event: case\ndata: [1,2,3]\n\n");
		}
	}

	@Test
	void aSpecCompliantClientGetsTheDataBackWithEveryBreakAsLf() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/data")) {
			List<Event> events = client.awaitClosed(WAIT);
			assertThat(events).filteredOn((e) -> e.type().equals("case"))
				.extracting(Event::data)
				.containsExactly("plain", "a\nb", "a\nb", "a\nb", "a\n", "\n", "", " leading space", "42", "3.5",
						"true", "null", "{\"text\":\"line1\\nline2\",\"n\":1}", "[1,2,3]");
		}
	}

	@Test
	void objectsGoThroughTheApplicationsJsonMapper() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/data")) {
			Event record = client.awaitClosed(WAIT)
				.stream()
				.filter((e) -> e.type().equals("record"))
				.findFirst()
				.orElseThrow();
			// spring.jackson.property-naming-strategy=SNAKE_CASE is the application's
			// setting.
			assertThat(record.data()).isEqualTo("{\"percent_done\":50,\"step_name\":\"load\"}");
		}
	}

	@Test
	void aLargePayloadArrivesByteIdenticalWithNoLineSplit() throws Exception {
		String payload = TestApp.largePayload();
		try (RawSseClient raw = RawSseClient.get(this.port, "/large")) {
			String body = raw.awaitEnd(Duration.ofSeconds(30));
			assertThat(body)
				.isEqualTo(": ok\n\nevent: large\nid: L1\ndata: " + payload + "\n\nevent: done\ndata: after\n\n");
		}
		try (EventClient client = EventClient.connect(this.port, "/large")) {
			List<Event> events = client.awaitClosed(Duration.ofSeconds(30));
			assertThat(events.get(0).data()).hasSize(payload.length());
			assertThat(events.get(0).data().equals(payload)).as("payload byte-identical").isTrue();
		}
	}

	@Test
	void idsAreWrittenWhenGivenAndAnEmptyIdResetsIt() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/ids")) {
			assertThat(raw.awaitEnd(WAIT))
				.isEqualTo(": ok\n\nevent: e\nid: 7\ndata: with id\n\nid: \ndata: empty id\n\n" + "data: no id\n\n");
		}
		try (EventClient client = EventClient.connect(this.port, "/ids")) {
			// OkHttp reports the empty last event id as null: the reset held (otherwise
			// "7" would stick).
			assertThat(client.awaitClosed(WAIT)).containsExactly(new Event("e", "with id", "7"),
					new Event("message", "empty id", null), new Event("message", "no id", null));
		}
	}

	@Test
	void illegalNamesAndIdsThrowAndLeaveTheStreamOpenWithNothingWritten() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/bad-input")) {
			assertThat(raw.awaitEnd(WAIT)).isEqualTo(": ok\n\nevent: after\ndata: still open\n\n");
		}
		List<String> errors = this.signals.await("bad-input.errors", WAIT);
		assertThat(errors).hasSize(5).noneMatch((e) -> e.equals("accepted"));
		assertThat(errors.get(0)).contains("event name").contains("CR or LF").contains("a\\nb");
		assertThat(errors.get(2)).contains("event id").contains("1\\n2");
		assertThat(errors.get(4)).contains("NUL");
		assertThat(this.signals.<Boolean>await("bad-input.open", WAIT)).isTrue();
	}

	@Test
	void aCommentCannotInjectAField() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/comment")) {
			assertThat(raw.awaitEnd(WAIT)).isEqualTo(": ok\n\n: x\n: data: injected\n: event: evil\n:\ndata: real\n\n");
		}
		try (EventClient client = EventClient.connect(this.port, "/comment")) {
			assertThat(client.awaitClosed(WAIT)).containsExactly(new Event("message", "real", null));
		}
	}

	@Test
	void theLastEventIdHeaderReachesTheCallback() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/last-id", "Last-Event-ID", "41")) {
			assertThat(client.next(WAIT).data()).isEqualTo("41");
		}
		try (EventClient client = EventClient.connect(this.port, "/last-id")) {
			assertThat(client.next(WAIT).data()).isEqualTo("null");
		}
	}

	@Test
	void eventsSentFromManyThreadsAtOnceNeverInterleave() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/concurrent")) {
			String body = raw.awaitEnd(Duration.ofSeconds(30));
			List<String> blocks = new ArrayList<>(List.of(body.split("\n\n")));
			assertThat(blocks.remove(0)).isEqualTo(": ok");
			assertThat(body).endsWith("event: done\ndata: end\n\n");
			blocks.remove(blocks.size() - 1);
			int events = 0;
			for (String block : blocks) {
				for (String line : block.split("\n")) {
					if (line.startsWith(": from ")) {
						continue;
					}
					if (line.equals("event: w")) {
						events++;
						continue;
					}
					// A data line is one writer's letters only: nothing of another event
					// got inside it.
					assertThat(line).matches("data: ([0-3]:\\d+:)?([A-D])\\2{4999}");
				}
			}
			assertThat(events).isEqualTo(400);
		}
	}

}
