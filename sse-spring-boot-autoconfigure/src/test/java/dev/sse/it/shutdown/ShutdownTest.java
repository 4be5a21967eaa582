package dev.sse.it.shutdown;

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

	/**
	 * A thousand open streams of every kind (700 topic, 200 async, 100 sync: the most the
	 * default limits allow on Java 17): every client sees a clean end with the retry
	 * hint.
	 */
	@Test
	void aThousandOpenStreamsAllEndCleanlyOnShutdown() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
			.properties("server.port=0", "server.shutdown=graceful", "spring.lifecycle.timeout-per-shutdown-phase=30s",
					"sse.disconnect-detection-interval=0")
			.run();
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		List<RawSseClient> clients = new java.util.ArrayList<>();
		try {
			for (int i = 0; i < 1000; i++) {
				String path = (i < 700) ? "/topics/subscribe?topic=many" + (i % 10)
						: (i < 900) ? "/idle?async=true" : "/idle?async=false";
				RawSseClient client = RawSseClient.get(port, path);
				assertThat(client.status()).as("stream %d (%s)", i, path).isEqualTo(200);
				clients.add(client);
			}
			dev.sse.internal.stream.DefaultSseService service = context
				.getBean(dev.sse.internal.stream.DefaultSseService.class);
			org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> service.openStreams() == 1000);
			long start = System.nanoTime();
			context.close();
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			System.out.println("context.close() with 1,000 open streams took " + took.toMillis() + " ms");
			// Graceful shutdown would otherwise wait up to 30 s.
			assertThat(took).isLessThan(Duration.ofSeconds(10));
			for (RawSseClient client : clients) {
				assertThat(client.awaitEnd(Duration.ofSeconds(5))).endsWith("\n\nretry: 1000\n\n");
			}
		}
		finally {
			context.close();
			for (RawSseClient client : clients) {
				client.close();
			}
		}
	}

}
