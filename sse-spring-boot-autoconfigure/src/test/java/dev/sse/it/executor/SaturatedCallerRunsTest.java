package dev.sse.it.executor;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;

import dev.sse.autoconfigure.SseAutoConfiguration;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A saturated pool with CallerRunsPolicy runs the next async callback on the request
 * thread: it still streams.
 */
@SpringBootTest(classes = { TestApp.class, SaturatedCallerRunsTest.OneThread.class },
		webEnvironment = WebEnvironment.RANDOM_PORT)
class SaturatedCallerRunsTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class OneThread {

		@Bean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME)
		ThreadPoolTaskExecutor sseTaskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setQueueCapacity(0);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.CallerRunsPolicy());
			executor.setThreadNamePrefix("one-");
			return executor;
		}

	}

	@Test
	void theCallbackPastThePoolRunsOnTheRequestThreadAndStreamsLive() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.signals.fire("hold.latch", release);
		try (RawSseClient holder = RawSseClient.get(this.port, "/hold")) {
			holder.awaitBodyContaining("event: held\n", WAIT);
			try (EventClient client = EventClient.connect(this.port, "/live?async=true")) {
				assertThat(client.next(WAIT)).isEqualTo(new Event("message", "one", null));
				this.signals.fire("live.seen-one");
				assertThat(client.next(WAIT)).isEqualTo(new Event("message", "two", null));
			}
			assertThat(this.signals.<String>await("live.thread", WAIT)).doesNotStartWith("one-");
		}
		finally {
			release.countDown();
		}
	}

}
