package dev.sse.it.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Past the executor's bound a new async stream is refused with 503 and Retry-After, never
 * queued.
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.executor.max-concurrency=3", "sse.executor.retry-after=7s" })
class AsyncRejectionTest extends ServerTestSupport {

	@Autowired
	private DefaultSseService service;

	@Autowired
	private MeterRegistry registry;

	@Test
	void theStreamPastTheBoundGets503WithRetryAfterAndLaterOnesSucceed() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.signals.fire("hold.latch", release);
		List<RawSseClient> held = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				RawSseClient client = RawSseClient.get(this.port, "/hold");
				held.add(client);
				client.awaitBodyContaining("event: held\n", WAIT);
			}
			try (RawSseClient refused = RawSseClient.get(this.port, "/hold")) {
				assertThat(refused.status()).isEqualTo(503);
				assertThat(refused.header("Retry-After")).isEqualTo("7");
				assertThat(this.registry.get("sse.connections.rejected")
					.tags("uri", "/hold", "mode", "async")
					.counter()
					.count()).isEqualTo(1);
				assertThat(Search.in(this.registry).name("sse.connections.closed").tag("uri", "/hold").counters())
					.allSatisfy((counter) -> assertThat(counter.getId().getTag("reason")).isNotEqualTo("rejected"));
				assertThat(String.valueOf(refused.header("Content-Type"))).doesNotStartWith("text/event-stream");
			}
			release.countDown();
			for (RawSseClient client : held) {
				client.awaitEnd(WAIT);
			}
			await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
			try (RawSseClient again = RawSseClient.get(this.port, "/hold")) {
				assertThat(again.status()).isEqualTo(200);
				assertThat(again.awaitEnd(WAIT)).contains("event: done\n");
			}
		}
		finally {
			release.countDown();
			for (RawSseClient client : held) {
				client.close();
			}
		}
	}

}
