package dev.sse.it.executor;

import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default executor on platform threads reuses its threads: at the bound, a stream
 * that arrives just as another's callback returned gets that thread, never a 503 (the
 * returning thread still counts until it is back waiting for work).
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.executor.virtual-threads=false", "sse.executor.max-concurrency=1" })
class ExecutorHandOverTest extends ServerTestSupport {

	@Test
	void oneStreamAfterAnotherAtTheBoundIsNeverRefused() throws Exception {
		int refused = 0;
		for (int i = 0; i < 300; i++) {
			// One async stream at a time: one event, then the callback returns.
			try (RawSseClient raw = RawSseClient.get(this.port, "/context")) {
				raw.awaitEnd(WAIT);
				if (raw.status() != 200) {
					refused++;
				}
			}
		}
		assertThat(refused).as("streams refused while the only thread was free").isZero();
	}

}
