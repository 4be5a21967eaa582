package dev.sse.samples;

import java.time.Instant;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Real-Time Notifications": each user follows their own channel (a query parameter
 * stands in for the session's user); a POST notifies one user.
 */
@RestController
class NotificationController {

    record Notification(String type, String title, String message, Instant timestamp) {
    }

    private final Hub hub;

    private final HubStreams streams;

    NotificationController(Hub hub, HubStreams streams) {
        this.hub = hub;
        this.streams = streams;
    }

    @GetMapping("/api/notifications/stream")
    SseEmitter notifications(@RequestParam String user) {
        return this.streams.follow("user:" + user, null);
    }

    @PostMapping("/api/notifications")
    Map<String, Object> notify(@RequestParam String user, @RequestBody Map<String, String> body) {
        Notification notification = new Notification(body.getOrDefault("type", "info"),
                body.getOrDefault("title", ""), body.getOrDefault("message", ""), Instant.now());
        long id = this.hub.publish("user:" + user, "notification", notification);
        return Map.of("id", id, "user", user);
    }
}
