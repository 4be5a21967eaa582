package dev.sse.it.observability;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.spi.CloseReason;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamListener;
import dev.sse.test.EventClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stream listener that throws never keeps a stream registered, nor the other listeners
 * uninformed.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = { TestApp.class, ListenerFailureTest.Throwing.class },
		webEnvironment = WebEnvironment.RANDOM_PORT)
class ListenerFailureTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class Throwing {

		@Bean
		@Order(-1)
		StreamListener throwingListener() {
			return new StreamListener() {
				@Override
				public void opened(SseStreamInfo stream) {
					throw new IllegalStateException("listener broken on open");
				}

				@Override
				public void closed(SseStreamInfo stream, CloseReason reason) {
					throw new IllegalStateException("listener broken on close");
				}

				@Override
				public void sent(SseStreamInfo stream, boolean event, long bytes) {
					throw new IllegalStateException("listener broken on send");
				}

				@Override
				public String toString() {
					return "throwingListener";
				}
			};
		}

	}

	@Autowired
	private DefaultSseService service;

	@Autowired
	private MeterRegistry registry;

	@Test
	void streamsStillOpenSendAndCloseAndTheMetersStillCount(CapturedOutput output) throws Exception {
		for (int i = 0; i < 3; i++) {
			try (EventClient client = EventClient.connect(this.port, "/basic")) {
				assertThat(client.awaitClosed(WAIT)).hasSize(5);
			}
		}
		await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
		await().atMost(WAIT)
			.until(() -> this.registry.get("sse.connections.closed").tags("uri", "/basic").counter().count() == 3);
		assertThat(this.registry.get("sse.events.sent").tags("uri", "/basic").counter().count()).isEqualTo(15);
		assertThat(output.getOut().split("SSE stream listener throwingListener failed", -1)).hasSize(2);
	}

}
