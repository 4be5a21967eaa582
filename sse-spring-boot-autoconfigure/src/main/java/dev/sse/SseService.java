package dev.sse;

import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Opens Server-Sent Event streams from Spring MVC handlers. Auto-configured; inject it and return
 * what it gives from a controller method:
 *
 * <pre>{@code
 * @GetMapping("/progress")
 * SseEmitter progress() {
 *     return sse.stream(stream -> {
 *         stream.send(Map.of("progress", 50), "update");
 *         stream.send(Map.of("complete", true), "done");
 *     });
 * }
 * }</pre>
 *
 * <p>Must be called on the request thread of a Spring MVC handler. The response headers and the
 * first bytes are flushed as soon as the handler returns; the callback runs after that, on the
 * request thread (sync) or on the {@code sseTaskExecutor} (async). Thread-safe.
 */
public interface SseService {

    /**
     * Opens a stream with the options of {@code application.yml} ({@code sse.*}).
     * @param callback writes the events; the stream ends when it returns
     * @return the emitter the controller must return
     * @throws org.springframework.web.server.ResponseStatusException 503 with {@code Retry-After}
     * when an async stream cannot get a thread
     */
    SseEmitter stream(SseCallback callback);

    /**
     * Opens a stream; options not set fall back to {@code application.yml}.
     * @param options this stream's options
     * @param callback writes the events; the stream ends when it returns
     * @return the emitter the controller must return
     * @throws org.springframework.web.server.ResponseStatusException 503 with {@code Retry-After}
     * when an async stream cannot get a thread
     */
    SseEmitter stream(SseOptions options, SseCallback callback);
}
