package dev.sse.it.life;

import java.util.List;

import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Reactor Flux streamed into an SSE stream: every element, one at a time, cancelled
 * when the client leaves.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "sse.disconnect-detection-interval=1s")
class SsePublishersTest extends ServerTestSupport {

	@Test
	void everyElementArrivesInOrderAndTheSourceIsAskedForOneAtATime() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/flux?n=500")) {
			List<Event> events = client.awaitClosed(WAIT);
			assertThat(events).hasSize(500);
			for (int i = 0; i < 500; i++) {
				assertThat(events.get(i)).isEqualTo(new Event("token", "t" + i, null));
			}
		}
		assertThat(this.signals.<Boolean>await("flux.completed", WAIT)).isTrue();
		assertThat(this.signals.counter("flux.max-request").get()).isEqualTo(1);
	}

	@Test
	void theClientLeavingCancelsTheSource() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/flux/forever")) {
			assertThat(client.next(WAIT).type()).isEqualTo("tick");
		}
		this.signals.await("flux.cancelled", WAIT);
		assertThat(this.signals.<Boolean>await("flux.forever-returned", WAIT)).isFalse();
	}

	@Test
	void theSourcesErrorEndsTheStreamWithTheErrorEvent() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/flux/failing")) {
			assertThat(client.awaitClosed(WAIT)).containsExactly(new Event("message", "a", null),
					new Event("error", "{\"error\":\"Internal Server Error\"}", null));
		}
	}

}
