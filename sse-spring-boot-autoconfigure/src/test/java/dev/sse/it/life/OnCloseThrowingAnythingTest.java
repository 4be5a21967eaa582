package dev.sse.it.life;

import java.io.IOException;
import java.time.Duration;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.SseStream;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.ContainerProbe;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * an onClose action that throws something other than a RuntimeException: a checked
 * exception (what a Kotlin lambda such as {@code stream.onClose { conn.close() }} throws
 * through Runnable, or Lombok's @SneakyThrows), or an Error. SseStream.onClose says "an
 * action that throws is logged". CallbackStream.runHook catches only RuntimeException,
 * and so does AbstractStream.end() around ending(): the throwable escapes end() after the
 * closed flag is set and before the writer is ended and the stream unregistered.
 */
@SpringBootTest(classes = { TestApp.class, OnCloseThrowingAnythingTest.Extra.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.disconnect-detection-interval=400ms", "sse.keep-alive-interval=0" })
class OnCloseThrowingAnythingTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class Extra {

		@Bean
		Endpoints edgeEndpoints(SseService sse) {
			return new Endpoints(sse);
		}

	}

	@SuppressWarnings("unchecked")
	static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
		throw (T) t;
	}

	@RestController
	static class Endpoints {

		private final SseService sse;

		Endpoints(SseService sse) {
			this.sse = sse;
		}

		@GetMapping("/edge-onclose")
		SseEmitter onClose(@RequestParam boolean async, @RequestParam String kind) {
			return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				stream.onClose(() -> {
					if (kind.equals("checked")) {
						sneakyThrow(new IOException("connection already closed"));
					}
					throw new AssertionError("hook failed");
				});
				stream.send("x");
			});
		}

	}

	@Autowired
	private DefaultSseService service;

	@Autowired
	private WebServerApplicationContext context;

	@ParameterizedTest(name = "async={0}, {1}")
	@CsvSource({ "false,checked", "true,checked", "false,error", "true,error" })
	void aThrowingOnCloseActionNeverKeepsTheStreamOpen(boolean async, String kind) throws Exception {
		try (RawSseClient client = RawSseClient.get(this.port, "/edge-onclose?async=" + async + "&kind=" + kind)) {
			client.awaitBodyContaining("data: x\n\n", WAIT);
			String body;
			try {
				body = client.awaitEnd(Duration.ofSeconds(3));
			}
			catch (IOException ex) {
				body = "NOT ENDED: " + ex.getMessage();
			}
			// The client goes away too: even that must not leave anything behind.
			client.close();
			assertThat(body).isEqualTo(": ok\n\ndata: x\n\n");
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(this.service.openStreams()).as("open streams").isZero();
				assertThat(ContainerProbe.asyncRequestsInProgress(this.context.getWebServer()))
					.as("async requests in progress")
					.isZero();
			});
		}
	}

}
