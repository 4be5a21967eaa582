package dev.sse.it.shutdown;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.test.EventClient;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An async callback that ignores its interrupt (it swallows it and keeps waiting) must
 * not hold the application's close or stop: the default executor on platform threads is
 * not a lifecycle bean that waits for its tasks. Its client still sees the end at once.
 */
class StubbornCallbackShutdownTest {

	static final CountDownLatch RELEASE = new CountDownLatch(1);

	static final AtomicBoolean RETURNED = new AtomicBoolean();

	@Configuration(proxyBeanMethods = false)
	static class Stubborn {

		@Bean
		StubbornController stubbornController(SseService sse) {
			return new StubbornController(sse);
		}

	}

	@RestController
	static class StubbornController {

		private final SseService sse;

		StubbornController(SseService sse) {
			this.sse = sse;
		}

		@GetMapping("/stubborn")
		SseEmitter stubborn() {
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
				stream.send("started", "started");
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
				while (System.nanoTime() < deadline) {
					try {
						if (RELEASE.await(20, TimeUnit.SECONDS)) {
							break;
						}
					}
					catch (InterruptedException ex) {
						// Swallowed, as careless code does.
					}
				}
				RETURNED.set(true);
			});
		}

	}

	@Test
	void closingTheApplicationDoesNotWaitForACallbackThatIgnoresItsInterrupt() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class, Stubborn.class)
			.properties("server.port=0", "sse.executor.virtual-threads=false", "server.shutdown=graceful",
					"spring.lifecycle.timeout-per-shutdown-phase=30s")
			.run();
		try {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			try (EventClient client = EventClient.connect(port, "/stubborn")) {
				assertThat(client.next(Duration.ofSeconds(10)).type()).isEqualTo("started");
				context.close();
				// close() returned while the callback still waits for its release.
				assertThat(RETURNED).as("close() waited for the callback").isFalse();
				client.awaitClosed(Duration.ofSeconds(10));
			}
		}
		finally {
			RELEASE.countDown();
			context.close();
		}
	}

}
