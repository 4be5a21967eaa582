package dev.sse.samples;

import java.time.Instant;
import java.util.Map;

import dev.sse.SseService;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Real-Time Notifications", on topics: each user follows their own topic (a
 * query parameter stands in for the session's user); a POST publishes to one user. No
 * polling loop, and a waiting subscriber holds no thread.
 */
@RestController
class NotificationController {

	record Notification(String type, String title, String message, Instant timestamp) {
	}

	private final SseService sse;

	NotificationController(SseService sse) {
		this.sse = sse;
	}

	@GetMapping("/api/notifications/stream")
	SseEmitter notifications(@RequestParam String user) {
		return this.sse.subscribe("user:" + user);
	}

	@PostMapping("/api/notifications")
	Map<String, Object> notify(@RequestParam String user, @RequestBody Map<String, String> body) {
		Notification notification = new Notification(body.getOrDefault("type", "info"), body.getOrDefault("title", ""),
				body.getOrDefault("message", ""), Instant.now());
		return Map.of("id", this.sse.publish("user:" + user, notification, "notification"), "user", user);
	}

}
