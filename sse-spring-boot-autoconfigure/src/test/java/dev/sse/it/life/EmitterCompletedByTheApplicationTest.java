package dev.sse.it.life;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.ContainerProbe;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.Signals;
import dev.sse.test.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * the application completes the emitter sse.stream returned before the stream has opened
 * (in the handler, or from another thread that holds the emitter while the request is
 * still being handled). With a plain SseEmitter the response ends; here
 * SseStreamEmitter.complete() (before the stream started) only calls super.complete():
 * the stream itself is not ended. Spring then completes its side (handler.complete():
 * commit + DeferredResult.setResult -> AsyncContext.dispatch()) while the interceptor
 * still opens the stream on a request whose async state is now DISPATCHING. Observed on
 * Tomcat: the callback runs anyway, the response never ends, the non-blocking writer
 * never gets onWritePossible (cut off as slow_client after the 10 s stall timeout), the
 * request stays in async processing, and Tomcat logs "Calling [asyncOperation()] is not
 * valid for a request with Async state [DISPATCHING]" / "Encountered a non-recycled
 * request".
 */
@SpringBootTest(classes = { TestApp.class, EmitterCompletedByTheApplicationTest.Extra.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.disconnect-detection-interval=0", "sse.keep-alive-interval=0" })
class EmitterCompletedByTheApplicationTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class Extra {

		@Bean
		Endpoints edgeEndpoints(SseService sse, Signals signals) {
			return new Endpoints(sse, signals);
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

		@GetMapping("/edge-complete-early")
		SseEmitter completeEarly(@RequestParam boolean async) {
			SseEmitter emitter = this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
				this.signals.fire("early.callback-ran", stream.isClosed());
				stream.send("from-callback");
				BlockingQueue<String> quiet = new LinkedBlockingQueue<>();
				try {
					quiet.take();
				}
				catch (InterruptedException ex) {
					this.signals.fire("early.interrupted");
					throw ex;
				}
			});
			emitter.complete();
			return emitter;
		}

		@GetMapping("/edge-topic-complete-early")
		SseEmitter topicCompleteEarly() {
			SseEmitter emitter = this.sse.subscribe("early-topic");
			emitter.complete();
			return emitter;
		}

	}

	@Autowired
	private DefaultSseService service;

	@Autowired
	private WebServerApplicationContext context;

	@ParameterizedTest(name = "async={0}")
	@ValueSource(booleans = { false, true })
	void completingTheEmitterBeforeItOpensEndsTheStream(boolean async) throws Exception {
		try (RawSseClient client = RawSseClient.get(this.port, "/edge-complete-early?async=" + async)) {
			String body;
			try {
				body = client.awaitEnd(Duration.ofSeconds(5));
			}
			catch (java.io.IOException ex) {
				body = "NOT ENDED: " + ex.getMessage();
			}
			client.close();
			assertThat(body).doesNotStartWith("NOT ENDED");
			awaitNothingLeft();
			assertThat(this.signals.fired("early.callback-ran")).as("callback ran").isFalse();
		}
	}

	@org.junit.jupiter.api.Test
	void completingATopicEmitterBeforeItOpensEndsTheStream() throws Exception {
		try (RawSseClient client = RawSseClient.get(this.port, "/edge-topic-complete-early")) {
			String body;
			try {
				body = client.awaitEnd(Duration.ofSeconds(5));
			}
			catch (java.io.IOException ex) {
				body = "NOT ENDED: " + ex.getMessage();
			}
			client.close();
			assertThat(body).doesNotStartWith("NOT ENDED");
			awaitNothingLeft();
		}
	}

	private void awaitNothingLeft() {
		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(this.service.openStreams()).as("open streams").isZero();
			assertThat(ContainerProbe.asyncRequestsInProgress(this.context.getWebServer()))
				.as("async requests in progress")
				.isZero();
		});
	}

}
