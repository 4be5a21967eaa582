package dev.sse.it.executor;

import dev.sse.autoconfigure.SseAutoConfiguration;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An async stream on an executor that runs tasks on the caller's thread: the callback
 * cannot wait for an open that only that thread can perform, so it runs once the stream
 * opens, and streams live.
 */
@SpringBootTest(classes = { TestApp.class, CallerRunsExecutorTest.CallerRuns.class },
		webEnvironment = WebEnvironment.RANDOM_PORT)
class CallerRunsExecutorTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class CallerRuns {

		@Bean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME)
		TaskExecutor sseTaskExecutor() {
			return new SyncTaskExecutor();
		}

	}

	@Test
	void anAsyncStreamOnASyncTaskExecutorStreamsLiveAndEnds() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/live?async=true")) {
			assertThat(client.next(WAIT)).isEqualTo(new Event("message", "one", null));
			this.signals.fire("live.seen-one");
			assertThat(client.next(WAIT)).isEqualTo(new Event("message", "two", null));
			assertThat(client.awaitClosed(WAIT)).hasSize(2);
		}
		assertThat(this.signals.<String>await("live.thread", WAIT)).doesNotStartWith("sse-");
	}

}
