package dev.sse.it.life;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.ContainerProbe;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * writes through the returned SseEmitter once its stream has ended BEFORE it took writes
 * (client reset while the opening was written, or a topic backlog cut-off before the
 * stream opened). SseStreamEmitter.send keeps them in its early list (takesWrites is
 * never set) and returns normally: no exception, ever, and the bytes stay in memory as
 * long as the application holds the emitter. A stream that ended after it opened throws
 * IllegalStateException, as a plain SseEmitter does once completed.
 */
@SpringBootTest(classes = { TestApp.class, EmitterSendsToAnEndedStreamTest.Extra.class },
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "sse.disconnect-detection-interval=400ms",
				"sse.keep-alive-interval=0", "sse.topics.buffer-size=1KB" })
class EmitterSendsToAnEndedStreamTest extends ServerTestSupport {

	static final List<SseEmitter> EMITTERS = new CopyOnWriteArrayList<>();

	@TestConfiguration(proxyBeanMethods = false)
	static class Extra {

		@Bean
		Endpoints edgeEndpoints(SseService sse) {
			return new Endpoints(sse);
		}

	}

	@RestController
	static class Endpoints {

		private final SseService sse;

		Endpoints(SseService sse) {
			this.sse = sse;
		}

		/**
		 * A topic stream the application also writes to directly (it keeps the emitter).
		 */
		@GetMapping("/edge-direct")
		SseEmitter direct(@RequestParam String topic) {
			SseEmitter emitter = this.sse.subscribe(topic);
			EMITTERS.add(emitter);
			return emitter;
		}

		/**
		 * Same, but a burst on the topic lands while the stream opens and passes
		 * sse.topics.buffer-size: the stream is cut off before it opens.
		 */
		@GetMapping("/edge-burst")
		SseEmitter burst(@RequestParam String topic) throws InterruptedException {
			SseEmitter emitter = this.sse.subscribe(topic);
			EMITTERS.add(emitter);
			Thread publisher = new Thread(() -> {
				for (int i = 0; i < 3; i++) {
					this.sse.publish(topic, "b".repeat(800));
				}
			});
			publisher.start();
			publisher.join();
			// The cut-off runs on the writers' executor: this pause makes it likely to
			// land
			// before the stream opens (the path tested); the assertion holds either way.
			Thread.sleep(300);
			return emitter;
		}

	}

	@Autowired
	private DefaultSseService service;

	@Autowired
	private WebServerApplicationContext context;

	@BeforeEach
	void clear() {
		EMITTERS.clear();
	}

	@Test
	void sendsToATopicStreamCutOffBeforeItOpenedFail() throws Exception {
		try (RawSseClient client = RawSseClient.get(this.port, "/edge-burst?topic=burst")) {
			client.awaitEnd(WAIT);
		}
		await().atMost(WAIT)
			.untilAsserted(
					() -> assertThat(ContainerProbe.asyncRequestsInProgress(this.context.getWebServer())).isZero());
		assertThat(this.service.openStreams()).isZero();
		SseEmitter emitter = EMITTERS.get(0);
		// The stream is over: a plain SseEmitter throws here, and so does this starter
		// for a
		// stream that ended after it opened.
		assertThatThrownBy(() -> emitter.send(SseEmitter.event().name("direct").data("x".repeat(1000))))
			.isInstanceOf(IllegalStateException.class);
	}

	@Test
	void sendsToStreamsWhoseClientResetWhileTheyOpenedFail() throws Exception {
		for (int i = 0; i < 30; i++) {
			try (Socket socket = new Socket("127.0.0.1", this.port)) {
				OutputStream out = socket.getOutputStream();
				out.write(("GET /edge-direct?topic=reset HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				socket.setSoLinger(true, 0);
			}
		}
		await().atMost(WAIT).until(() -> EMITTERS.size() == 30);
		await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
		await().atMost(WAIT)
			.untilAsserted(
					() -> assertThat(ContainerProbe.asyncRequestsInProgress(this.context.getWebServer())).isZero());
		int silentlyAccepted = 0;
		for (SseEmitter emitter : EMITTERS) {
			try {
				for (int n = 0; n < 100; n++) {
					emitter.send(SseEmitter.event().name("direct").data("x".repeat(1000)));
				}
				silentlyAccepted++;
			}
			catch (IllegalStateException | java.io.IOException expected) {
				// the stream is over
			}
		}
		assertThat(silentlyAccepted).as("emitters of ended streams that silently took 100 KB each").isZero();
	}

}
