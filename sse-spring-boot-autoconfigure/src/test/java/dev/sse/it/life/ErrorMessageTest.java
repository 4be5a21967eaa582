package dev.sse.it.life;

import java.util.List;

import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** The error event's name and message are the application's to configure. */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.error.include-message=always", "sse.error.event-name=failure" })
class ErrorMessageTest extends ServerTestSupport {

	@Test
	void theMessageIsIncludedWhenConfiguredAsValidJson() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/fail")) {
			List<Event> events = client.awaitClosed(WAIT);
			assertThat(events).last()
				.isEqualTo(new Event("failure",
						"{\"error\":\"Internal Server Error\",\"message\":\"secret detail \\\"quoted\\\"\\nline two\"}",
						null));
		}
	}

}
