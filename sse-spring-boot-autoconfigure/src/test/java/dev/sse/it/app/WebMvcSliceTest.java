package dev.sse.it.app;

import java.time.Duration;
import java.util.Map;

import dev.sse.SseOptions;
import dev.sse.SseService;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;

/**
 * A {@code @WebMvcTest} of a controller that injects {@link SseService}: the slice
 * includes the starter, and MockMvc reads the stream's body, as the README shows.
 */
@WebMvcTest(WebMvcSliceTest.ProgressController.class)
class WebMvcSliceTest {

	/** The application class a slice test would find in a real project. */
	@SpringBootConfiguration
	@Import(ProgressController.class)
	static class SliceApp {

	}

	@RestController
	static class ProgressController {

		private final SseService sse;

		ProgressController(SseService sse) {
			this.sse = sse;
		}

		@GetMapping("/progress")
		SseEmitter progress() {
			return this.sse.stream((stream) -> {
				stream.send(Map.of("percent", 50), "progress");
				stream.send(Map.of("percent", 100), "progress");
			});
		}

		@GetMapping("/progress/async")
		SseEmitter progressAsync() {
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> stream.send("done", "done"));
		}

		@GetMapping("/updates")
		SseEmitter updates() {
			return this.sse.subscribe("updates");
		}

	}

	@Autowired
	private MockMvc mvc;

	@Autowired
	private SseService sse;

	@Test
	void aSyncStreamsEventsAreInTheResponseBody() throws Exception {
		// A sync stream may already be over when perform() returns: its callback ran on
		// the request thread.
		MvcResult result = this.mvc.perform(get("/progress")).andReturn();
		await().atMost(Duration.ofSeconds(10)).until(() -> !result.getRequest().isAsyncStarted());
		assertThat(result.getResponse().getContentType()).isEqualTo("text/event-stream;charset=UTF-8");
		assertThat(result.getResponse().getContentAsString()).isEqualTo(
				": ok\n\nevent: progress\n" + "data: {\"percent\":50}\n\nevent: progress\ndata: {\"percent\":100}\n\n");
	}

	@Test
	void asyncAndTopicStreamsToo() throws Exception {
		MvcResult async = this.mvc.perform(get("/progress/async")).andReturn();
		await().atMost(Duration.ofSeconds(10)).until(() -> !async.getRequest().isAsyncStarted());
		assertThat(async.getResponse().getContentAsString()).isEqualTo(": ok\n\nevent: done\ndata: done\n\n");
		MvcResult topic = this.mvc.perform(get("/updates")).andExpect(request().asyncStarted()).andReturn();
		String id = this.sse.publish("updates", "first");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> topic.getResponse().getContentAsString().endsWith("id: " + id + "\ndata: first\n\n"));
	}

}
