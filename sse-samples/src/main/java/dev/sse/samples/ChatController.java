package dev.sse.samples;

import java.time.Instant;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Multi-Channel Chat": post to a channel, every subscriber of it sees the message; ids
 * let a reloaded page resume where it left off (Last-Event-ID).
 */
@RestController
class ChatController {

    record ChatMessage(String channel, String user, String text, Instant timestamp) {
    }

    private final Hub hub;

    private final HubStreams streams;

    ChatController(Hub hub, HubStreams streams) {
        this.hub = hub;
        this.streams = streams;
    }

    @GetMapping("/api/chat/{channel}/stream")
    SseEmitter chat(@PathVariable String channel, @RequestParam(required = false) String lastEventId) {
        return this.streams.follow("chat:" + channel, lastEventId);
    }

    @PostMapping("/api/chat/{channel}")
    Map<String, Object> post(@PathVariable String channel, @RequestBody Map<String, String> body) {
        ChatMessage message = new ChatMessage(channel, body.getOrDefault("user", "anonymous"),
                body.getOrDefault("text", ""), Instant.now());
        return Map.of("id", this.hub.publish("chat:" + channel, "message", message));
    }
}
