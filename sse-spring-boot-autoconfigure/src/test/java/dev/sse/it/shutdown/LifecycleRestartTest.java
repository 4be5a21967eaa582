package dev.sse.it.shutdown;

import java.time.Duration;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.Signals;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * a lifecycle restart (context.stop() then context.start(), as a refresh scope or an
 * operator pausing the application does): streams opened before are ended; streams opened
 * after behave as before (keep-alives, timeout, topics).
 */
class LifecycleRestartTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void streamsWorkAfterAStopAndStart() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
			.properties("server.port=0", "sse.disconnect-detection-interval=0")
			.run()) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			DefaultSseService service = context.getBean(DefaultSseService.class);
			Signals signals = context.getBean(Signals.class);
			try (RawSseClient before = RawSseClient.get(port, "/topics/subscribe?topic=restart")) {
				before.awaitBodyContaining("\n\n", WAIT);
				context.stop();
				String body = before.awaitEnd(WAIT);
				assertThat(body).endsWith("retry: 1000\n\n");
			}
			assertThat(service.openStreams()).isZero();
			context.start();
			port = ((WebServerApplicationContext) context).getWebServer().getPort();
			try (RawSseClient ka = RawSseClient.get(port, "/keep-alive?millis=300");
					RawSseClient topic = RawSseClient.get(port, "/topics/subscribe?topic=restart");
					RawSseClient timeout = RawSseClient.get(port, "/timeout?async=true")) {
				assertThat(ka.status()).isEqualTo(200);
				ka.awaitBody((text) -> text.split(": keep-alive\n", -1).length > 3, WAIT);
				topic.awaitBodyContaining("\n\n", WAIT);
				await().atMost(WAIT).until(() -> service.openStreams() >= 2);
				String id = context.getBean(SseService.class).publish("restart", "after");
				topic.awaitBodyContaining("id: " + id + "\ndata: after\n\n", WAIT);
				assertThat(timeout.awaitEnd(WAIT)).contains("data: started");
				assertThat(signals.<Boolean>await("timeout.interrupted", WAIT)).isTrue();
				signals.fire("keep-alive.release");
				ka.awaitEnd(WAIT);
			}
		}
	}

}
