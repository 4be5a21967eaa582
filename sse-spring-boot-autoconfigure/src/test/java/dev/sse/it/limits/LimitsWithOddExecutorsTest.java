package dev.sse.it.limits;

import java.util.concurrent.RejectedExecutionException;

import dev.sse.autoconfigure.SseAutoConfiguration;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The stream limits with executors that behave unlike a pool: one that refuses with a
 * plain {@link RejectedExecutionException} (no place may leak), and one that runs the
 * callback on the caller (it holds a request thread, so it counts as a sync stream).
 */
class LimitsWithOddExecutorsTest {

	@Nested
	@SpringBootTest(classes = { TestApp.class, Refusing.Executor.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "sse.max-connections=2")
	class Refusing extends ServerTestSupport {

		@TestConfiguration(proxyBeanMethods = false)
		static class Executor {

			@Bean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME)
			TaskExecutor sseTaskExecutor() {
				return (task) -> {
					throw new RejectedExecutionException("pool full");
				};
			}

		}

		@Autowired
		private DefaultSseService service;

		@Test
		void aRefusedCallbackGivesItsPlaceBack() throws Exception {
			for (int i = 0; i < 4; i++) {
				try (RawSseClient client = RawSseClient.get(this.port, "/idle?async=true")) {
					// The executor's own failure, never the limit's 503.
					assertThat(client.status()).isEqualTo(500);
				}
			}
			assertThat(this.service.limits().open()).isZero();
			try (RawSseClient topic = RawSseClient.get(this.port, "/topics/subscribe?topic=odd")) {
				assertThat(topic.status()).isEqualTo(200);
			}
			await().atMost(WAIT).until(() -> this.service.limits().open() == 0);
		}

	}

	@Nested
	@SpringBootTest(classes = { TestApp.class, CallerRuns.Executor.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "sse.max-sync-streams=1")
	class CallerRuns extends ServerTestSupport {

		@TestConfiguration(proxyBeanMethods = false)
		static class Executor {

			@Bean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME)
			TaskExecutor sseTaskExecutor() {
				return new SyncTaskExecutor();
			}

		}

		@Autowired
		private DefaultSseService service;

		@Test
		void anAsyncStreamRunOnTheCallerCountsAsSync() throws Exception {
			try (RawSseClient first = RawSseClient.get(this.port, "/idle?async=true")) {
				assertThat(first.status()).isEqualTo(200);
				await().atMost(WAIT).until(() -> this.service.limits().openSync() == 1);
				try (RawSseClient second = RawSseClient.get(this.port, "/idle?async=true")) {
					assertThat(second.status()).isEqualTo(503);
				}
			}
			await().atMost(WAIT).until(() -> this.service.limits().openSync() == 0);
			try (RawSseClient third = RawSseClient.get(this.port, "/idle?async=true")) {
				assertThat(third.status()).isEqualTo(200);
			}
		}

	}

}
