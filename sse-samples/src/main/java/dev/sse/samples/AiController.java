package dev.sse.samples;

import java.time.Duration;
import java.util.List;

import dev.sse.SseOptions;
import dev.sse.SseService;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "AI Streaming with Async Execution": tokens as they come, off the request
 * thread.
 */
@RestController
class AiController {

	private final SseService sse;

	private final TokenGenerator model;

	AiController(SseService sse, TokenGenerator model) {
		this.sse = sse;
		this.model = model;
	}

	/** The final event: {@code {"complete":true,"total":N}}. */
	record Done(boolean complete, int total) {
	}

	@GetMapping("/api/ai/stream")
	SseEmitter ai(@RequestParam(defaultValue = "What is SSE?") String prompt,
			@RequestParam(defaultValue = "40") long delayMillis) {
		SseOptions options = SseOptions.defaults()
			.async(true)
			.keepAliveInterval(Duration.ofSeconds(30))
			.timeout(Duration.ofMinutes(5));
		return this.sse.stream(options, (stream) -> {
			List<String> tokens = this.model.tokens(prompt);
			for (String token : tokens) {
				if (!stream.send(token, "token")) {
					return; // client gone
				}
				Thread.sleep(Math.max(0, Math.min(delayMillis, 1000)));
			}
			stream.send(new Done(true, tokens.size()), "done");
		});
	}

}
