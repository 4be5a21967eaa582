package dev.sse.it.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Async streams free the container's threads: far more streams than threads, and normal
 * requests still answer.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=10", "server.jetty.threads.max=10", "server.jetty.threads.min=4",
				"sse.executor.max-concurrency=400" })
class AsyncCapacityTest extends ServerTestSupport {

	@Test
	void twoHundredAsyncStreamsOnTenContainerThreads() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.signals.fire("hold.latch", release);
		List<RawSseClient> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 200; i++) {
				clients.add(RawSseClient.get(this.port, "/hold"));
			}
			for (RawSseClient client : clients) {
				assertThat(client.awaitBodyContaining("event: held\n", WAIT)).startsWith(": ok\n\n");
			}
			try (RawSseClient ping = RawSseClient.get(this.port, "/ping", "Accept: text/plain")) {
				assertThat(ping.status()).isEqualTo(200);
				assertThat(ping.awaitEnd(WAIT)).isEqualTo("pong");
			}
			release.countDown();
			for (RawSseClient client : clients) {
				assertThat(client.awaitEnd(WAIT)).endsWith("event: done\ndata: released\n\n");
			}
		}
		finally {
			release.countDown();
			for (RawSseClient client : clients) {
				client.close();
			}
		}
	}

}
