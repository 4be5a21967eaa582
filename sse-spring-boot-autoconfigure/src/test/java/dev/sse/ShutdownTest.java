package dev.sse;

import java.time.Duration;
import java.util.List;

import dev.sse.test.RawSseClient;
import dev.sse.test.TestApp;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Application shutdown ends every open stream promptly, so graceful shutdown does not
 * hang on them.
 */
class ShutdownTest {

	@Test
	void closingTheApplicationEndsOpenStreamsPromptly() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
			.properties("server.port=0", "server.shutdown=graceful", "spring.lifecycle.timeout-per-shutdown-phase=30s",
					"sse.disconnect-detection-interval=0")
			.run();
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		MeterRegistry registry = context.getBean(MeterRegistry.class);
		try (RawSseClient sync = RawSseClient.get(port, "/idle?async=false");
				RawSseClient async = RawSseClient.get(port, "/idle?async=true");
				RawSseClient topic = RawSseClient.get(port, "/topics/subscribe?topic=shutdown")) {
			sync.awaitBodyContaining(": ok\n\n", Duration.ofSeconds(10));
			async.awaitBodyContaining(": ok\n\n", Duration.ofSeconds(10));
			topic.awaitBodyContaining("\n\n", Duration.ofSeconds(10));
			long start = System.nanoTime();
			context.close();
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			// Graceful shutdown would wait up to 30 s for these streams if nothing ended
			// them.
			assertThat(took).isLessThan(Duration.ofSeconds(10));
			// Each client is told to come back soon (sse.shutdown-retry), then the stream
			// ends cleanly.
			for (RawSseClient client : List.of(sync, async)) {
				assertThat(client.awaitEnd(Duration.ofSeconds(5))).isEqualTo(": ok\n\nretry: 1000\n\n");
			}
			// A topic stream's opening also sets the client's last event id to where its
			// subscription starts.
			assertThat(topic.awaitEnd(Duration.ofSeconds(5))).matches(": ok\nid: [0-9]+\n\nretry: 1000\n\n");
			assertThat(registry.get("sse.connections.closed")
				.tag("reason", "shutdown")
				.counters()
				.stream()
				.mapToDouble((c) -> c.count())
				.sum()).isEqualTo(3.0);
		}
		finally {
			context.close();
		}
	}

}
