package dev.sse.samples;

import java.util.Map;

import dev.sse.SseService;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The docs' "Basic Synchronous Streaming": five events on the request thread. */
@RestController
class BasicController {

	private final SseService sse;

	BasicController(SseService sse) {
		this.sse = sse;
	}

	@GetMapping("/api/basic")
	SseEmitter basic() {
		return this.sse.stream((emitter) -> {
			emitter.send("Hello from server!");
			emitter.send(Map.of("status", "processing", "progress", 25), "update");
			emitter.send(Map.of("status", "processing", "progress", 50), "update");
			emitter.send(Map.of("status", "processing", "progress", 75), "update");
			emitter.send(Map.of("complete", true), "done");
			emitter.close();
		});
	}

}
