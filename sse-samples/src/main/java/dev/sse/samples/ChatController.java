package dev.sse.samples;

import java.time.Instant;
import java.util.Map;

import dev.sse.SseService;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Multi-Channel Chat", on topics: post to a channel, every subscriber of it
 * sees the message. Every event has an id: a reconnecting EventSource (Last-Event-ID
 * header) or a reloaded page ({@code ?lastEventId=}) gets what it missed from the topic's
 * history.
 */
@RestController
class ChatController {

	record ChatMessage(String channel, String user, String text, Instant timestamp) {
	}

	private final SseService sse;

	ChatController(SseService sse) {
		this.sse = sse;
	}

	@GetMapping("/api/chat/{channel}/stream")
	SseEmitter chat(@PathVariable String channel) {
		return this.sse.subscribe("chat:" + channel);
	}

	@PostMapping("/api/chat/{channel}")
	Map<String, Object> post(@PathVariable String channel, @RequestBody Map<String, String> body) {
		ChatMessage message = new ChatMessage(channel, body.getOrDefault("user", "anonymous"),
				body.getOrDefault("text", ""), Instant.now());
		return Map.of("id", this.sse.publish("chat:" + channel, message, "message"));
	}

}
