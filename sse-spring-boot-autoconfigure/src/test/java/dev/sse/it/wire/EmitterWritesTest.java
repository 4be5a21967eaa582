package dev.sse.it.wire;

import java.util.ArrayList;
import java.util.List;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
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
 * An application that writes to a topic stream's emitter itself, while events are
 * published to the topic: both arrive whole, each in its order, never interleaved on the
 * wire.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class EmitterWritesTest extends ServerTestSupport {

	@Autowired
	private SseService sse;

	@Autowired
	private DefaultSseService service;

	@Test
	void directWritesAndPublishedEventsNeverInterleave() throws Exception {
		int count = 300;
		try (EventClient client = EventClient.connect(this.port, "/topics/mixed?topic=mixed&direct=" + count)) {
			await().atMost(WAIT)
				.until(() -> this.service.streams().stream().anyMatch((s) -> s.topics().contains("mixed")));
			this.signals.fire("mixed.go");
			for (int i = 0; i < count; i++) {
				this.sse.publish("mixed", "p" + i + ":" + "q".repeat(i % 700));
			}
			List<String> direct = new ArrayList<>();
			List<String> published = new ArrayList<>();
			for (int i = 0; i < 2 * count; i++) {
				Event event = client.next(WAIT);
				if (event.type().equals("direct")) {
					direct.add(event.data());
				}
				else {
					assertThat(event.type()).isEqualTo("message");
					published.add(event.data());
				}
			}
			for (int i = 0; i < count; i++) {
				assertThat(direct.get(i)).isEqualTo("d" + i + ":" + "m".repeat(i % 500));
				assertThat(published.get(i)).isEqualTo("p" + i + ":" + "q".repeat(i % 700));
			}
		}
		assertThat(this.signals.fired("mixed.failure")).isFalse();
	}

}
