package dev.sse.it.life;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.Signals;
import dev.sse.test.StuckClient;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * an async stream is cut off by housekeeping (stall timeout), so its end() runs inline on
 * the single housekeeping thread (AbstractStream.endSoon). Its onClose action throws a
 * checked exception (Kotlin lambda / @SneakyThrows). Housekeeping.run catches only
 * RuntimeException per stream, so the throwable escapes the scheduleWithFixedDelay task,
 * which the executor then silently cancels: keep-alives, disconnect probes, stall checks,
 * draining and broker purges stop for EVERY stream of the application.
 */
@SpringBootTest(classes = { TestApp.class, OnCloseThrowingOnHousekeepingTest.Extra.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.slow-client.stall-timeout=1s", "sse.slow-client.send-timeout=60s",
				"sse.slow-client.buffer-size=64KB", "sse.disconnect-detection-interval=0" })
class OnCloseThrowingOnHousekeepingTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class Extra {

		@Bean
		Endpoints edgeEndpoints(SseService sse, Signals signals) {
			return new Endpoints(sse, signals);
		}

	}

	@SuppressWarnings("unchecked")
	static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
		throw (T) t;
	}

	@RestController
	static class Endpoints {

		private final SseService sse;

		private final Signals signals;

		Endpoints(SseService sse, Signals signals) {
			this.sse = sse;
			this.signals = signals;
		}

		@GetMapping("/edge-stuck-onclose")
		SseEmitter stuck() {
			String payload = "f".repeat(8 * 1024);
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
				stream.onClose(() -> {
					this.signals.fire("stuck.closed-on", Thread.currentThread().getName());
					sneakyThrow(new IOException("upstream already closed"));
				});
				while (stream.send(payload)) {
					// until cut off
				}
			});
		}

	}

	@Test
	void keepAlivesGoOnForEveryoneElse() throws Exception {
		try (RawSseClient healthy = RawSseClient.get(this.port, "/keep-alive?millis=300");
				Socket socket = StuckClient.open(this.port, "/edge-stuck-onclose")) {
			healthy.awaitBody((text) -> text.split(": keep-alive\n", -1).length > 2, WAIT);
			String thread = this.signals.await("stuck.closed-on", WAIT);
			int before = healthy.body().split(": keep-alive\n", -1).length;
			String body;
			try {
				body = healthy.awaitBody((text) -> text.split(": keep-alive\n", -1).length > before + 3,
						Duration.ofSeconds(5));
			}
			catch (IOException ex) {
				body = "NO MORE KEEP-ALIVES: " + ex.getMessage();
			}
			assertThat(body).as("stuck stream ended on thread " + thread).doesNotStartWith("NO MORE KEEP-ALIVES");
		}
		finally {
			this.signals.fire("keep-alive.release");
		}
	}

}
