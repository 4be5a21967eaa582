package dev.sse.it.shutdown;

import java.net.Socket;
import java.time.Duration;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.Signals;
import dev.sse.test.StuckClient;
import dev.sse.test.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * graceful shutdown while a client that stopped reading holds a stream whose writes are
 * blocked. semantics.md: "on application shutdown every open stream is ended promptly, so
 * graceful shutdown does not hang on them". Container defaults (Tomcat's connection
 * timeout, i.e. its bound on a blocking write, is 60 s).
 */
class ShutdownWithStuckClientTest {

	@ParameterizedTest(name = "async={0}")
	@ValueSource(booleans = { false, true })
	void shutdownIsPromptWithAStuckClient(boolean async) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
			.properties("server.port=0", "server.shutdown=graceful", "spring.lifecycle.timeout-per-shutdown-phase=30s",
					"sse.disconnect-detection-interval=0")
			.run();
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		Signals signals = context.getBean(Signals.class);
		DefaultSseService service = context.getBean(DefaultSseService.class);
		try (Socket socket = StuckClient.open(port, "/flood?async=" + async)) {
			await().atMost(Duration.ofSeconds(10)).until(() -> signals.counter("flood.started").get() == 1);
			assertThat(service.openStreams()).isEqualTo(1);
			long start = System.nanoTime();
			context.close();
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(took).isLessThan(Duration.ofSeconds(10));
		}
		finally {
			context.close();
		}
	}

}
