package dev.sse.samples;

import java.util.List;
import java.util.Map;

import dev.sse.SseOptions;
import dev.sse.SseService;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The docs' "Progress Tracking": a multi-step job reporting each step. */
@RestController
class ProgressController {

	private static final List<String> TASKS = List.of("Initialize", "Load Data", "Process", "Validate", "Complete");

	private final SseService sse;

	ProgressController(SseService sse) {
		this.sse = sse;
	}

	@GetMapping("/api/progress")
	SseEmitter progress(@RequestParam(defaultValue = "400") long stepMillis) {
		return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
			for (int i = 0; i < TASKS.size(); i++) {
				if (stream.isClosed()) {
					return;
				}
				stream.send(Map.of("task", TASKS.get(i), "progress", (i + 1) * 100 / TASKS.size(), "step", i + 1,
						"total", TASKS.size()), "progress");
				Thread.sleep(Math.max(0, Math.min(stepMillis, 5000)));
			}
			stream.send(Map.of("complete", true), "done");
		});
	}

}
