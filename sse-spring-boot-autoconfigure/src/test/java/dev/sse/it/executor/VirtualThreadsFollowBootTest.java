package dev.sse.it.executor;

import dev.sse.test.EventClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without spring.threads.virtual.enabled, async callbacks stay on platform threads even
 * on Java 21+, as the rest of a Boot application does; sse.executor.virtual-threads=true
 * overrides it.
 */
@Tag("jdk21")
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class VirtualThreadsFollowBootTest extends ServerTestSupport {

	@Test
	void platformThreadsUnlessBootSwitchesVirtualThreadsOn() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/context")) {
			assertThat(client.next(WAIT).data()).contains("\"virtual\":false");
		}
	}

}
