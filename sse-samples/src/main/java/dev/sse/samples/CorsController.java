package dev.sse.samples;

import java.util.Map;

import dev.sse.SseOptions;
import dev.sse.SseService;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Cross-Origin Streaming". The page at http://localhost:PORT/cors.html reads
 * this stream from http://127.0.0.1:PORT, another origin: allowed. The same page served
 * from 127.0.0.1 reads it from localhost: its origin is not listed, so the browser
 * refuses it.
 */
@RestController
class CorsController {

	private final SseService sse;

	CorsController(SseService sse) {
		this.sse = sse;
	}

	@GetMapping("/api/cors/stream")
	SseEmitter cors(HttpServletRequest request) {
		String allowed = "http://localhost:" + request.getLocalPort();
		return this.sse.stream(SseOptions.defaults().cors(allowed), (emitter) -> {
			emitter.send(Map.of("message", "Hello from API"), "greeting", 1);
			emitter.send(Map.of("data", "Cross-origin data"), "data", 2);
			emitter.close();
		});
	}

}
