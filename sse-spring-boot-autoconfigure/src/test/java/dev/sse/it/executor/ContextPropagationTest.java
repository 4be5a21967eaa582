package dev.sse.it.executor;

import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An async callback sees the request's MDC, security context and trace (its current
 * Observation), and runs on a virtual thread where the JVM has them and Spring Boot's
 * switch says so (the jdk21 execution runs this class on Java 21+).
 */
@Tag("jdk21")
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.threads.virtual.enabled=true")
class ContextPropagationTest extends ServerTestSupport {

	@Test
	void theAsyncCallbackSeesTheRequestsMdcSecurityContextAndObservation() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/context")) {
			Event event = client.next(WAIT);
			assertThat(event.type()).isEqualTo("context");
			assertThat(event.data()).contains("\"mdc\":\"req-42\"")
				.contains("\"user\":\"alice\"")
				.contains("\"thread\":\"sse-")
				.contains("\"observation\":\"http.server.requests\"")
				.contains("\"sameObservation\":true");
		}
	}

	@Test
	void asyncCallbacksRunOnVirtualThreadsWhenBootSaysSoAndTheJvmHasThem() throws Exception {
		boolean expected = Runtime.version().feature() >= 21;
		assertThat(Boolean.getBoolean("sse.test.expect-virtual-threads")).isEqualTo(expected);
		try (EventClient client = EventClient.connect(this.port, "/context")) {
			assertThat(client.next(WAIT).data()).contains("\"virtual\":" + expected);
		}
	}

}
