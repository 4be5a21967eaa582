package dev.sse.it.life;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamListener;
import dev.sse.test.ContainerProbe;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.Signals;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * a SYNC stream ended by another thread (operator evict, shutdown, timeout, an app thread
 * calling complete() on the returned emitter) after it registered but before its callback
 * starts. BlockingWriter.finish() then leaves completing the request to leaveDispatch(),
 * which only runCallback's try/finally calls; runCallback returns early (stream closed)
 * without it, so nobody ever calls AsyncContext.complete(): the request stays in async
 * processing forever.
 *
 * The listener below only widens the window (it pauses in the opening's sent() call,
 * which register() makes between registering the stream and running the callback); the
 * race itself needs no listener.
 */
@SpringBootTest(classes = { TestApp.class, SyncStreamEndedFromAnotherThreadTest.Extra.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.disconnect-detection-interval=0", "sse.keep-alive-interval=0" })
class SyncStreamEndedFromAnotherThreadTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class Extra {

		@Bean
		Endpoints edgeEndpoints(SseService sse, Signals signals) {
			return new Endpoints(sse, signals);
		}

		@Bean
		StreamListener pausingListener(Signals signals) {
			return new StreamListener() {
				@Override
				public void sent(SseStreamInfo stream, boolean event, long bytes) {
					if (!event && stream.route().contains("edge-sync") && !signals.fired("edge.opening")) {
						signals.fire("edge.opening", stream.id());
						signals.await("edge.proceed", Duration.ofSeconds(10));
					}
				}
			};
		}

	}

	@RestController
	static class Endpoints {

		private final SseService sse;

		private final Signals signals;

		Endpoints(SseService sse, Signals signals) {
			this.sse = sse;
			this.signals = signals;
		}

		@GetMapping("/edge-sync")
		SseEmitter sync() {
			return this.sse.stream(SseOptions.defaults().keepAliveInterval(Duration.ZERO), (stream) -> {
				this.signals.fire("edge.callback-ran");
				BlockingQueue<String> quiet = new LinkedBlockingQueue<>();
				quiet.take();
			});
		}

	}

	@Autowired
	private DefaultSseService service;

	@Autowired
	private WebServerApplicationContext context;

	@Test
	void aSyncStreamEvictedWhileItOpensHasItsRequestCompleted() throws Exception {
		assertThat(ContainerProbe.asyncRequestsInProgress(this.context.getWebServer())).isZero();
		try (RawSseClient client = RawSseClient.get(this.port, "/edge-sync")) {
			String id = this.signals.await("edge.opening", WAIT);
			// An operator (the actuator endpoint), shutdown or a timeout ends it now.
			assertThat(this.service.evict(id)).isTrue();
			await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
			this.signals.fire("edge.proceed");
			// The body is ended (the writer closed the output stream)...
			client.awaitEnd(WAIT);
			// ...but the request must also be completed.
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(ContainerProbe.asyncRequestsInProgress(this.context.getWebServer()))
					.as("async requests Tomcat still holds")
					.isZero());
		}
		assertThat(this.signals.fired("edge.callback-ran")).isFalse();
	}

}
