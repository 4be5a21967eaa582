package dev.sse.it.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole Spring Boot application with the starter in it: its own executor,
 * {@code @Async}, Spring MVC's async handlers and by-type injection are exactly what they
 * would be without it.
 */
@SpringBootTest(classes = { TestApp.class, HostAppTest.Host.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class HostAppTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	@EnableAsync
	static class Host {

		@Bean
		AsyncWork asyncWork() {
			return new AsyncWork();
		}

		@Bean
		CallableController callableController() {
			return new CallableController();
		}

		@Bean
		ExecutorUser executorUser(Executor executor, TaskExecutor taskExecutor) {
			return new ExecutorUser(executor, taskExecutor);
		}

	}

	static class AsyncWork {

		@Async
		public CompletableFuture<String> whereAmI() {
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

	}

	@RestController
	static class CallableController {

		@GetMapping("/callable")
		Callable<String> callable() {
			return () -> Thread.currentThread().getName();
		}

	}

	record ExecutorUser(Executor executor, TaskExecutor taskExecutor) {
	}

	@Autowired
	private ApplicationContext context;

	@Autowired
	private AsyncWork asyncWork;

	@Autowired
	private ExecutorUser executorUser;

	@Test
	void bootsApplicationTaskExecutorIsThereAndTheOnlyOneInjectedByType() {
		Object boots = this.context.getBean("applicationTaskExecutor");
		assertThat(this.executorUser.executor()).isSameAs(boots);
		assertThat(this.executorUser.taskExecutor()).isSameAs(boots);
		assertThat(this.context.getBean("sseTaskExecutor")).isNotSameAs(boots);
	}

	@Test
	void asyncMethodsRunOnBootsExecutor() throws Exception {
		assertThat(this.asyncWork.whereAmI().get(10, TimeUnit.SECONDS)).startsWith("task-");
	}

	@Test
	void springMvcCallablesRunOnBootsExecutor() throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/callable")).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).startsWith("task-");
	}

}
