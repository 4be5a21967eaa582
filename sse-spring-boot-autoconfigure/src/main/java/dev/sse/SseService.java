package dev.sse;

import org.jspecify.annotations.Nullable;

import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Opens Server-Sent Event streams from Spring MVC handlers. Auto-configured; inject it
 * and return what it gives from a controller method:
 *
 * <pre>{@code
 * &#64;GetMapping("/progress")
 * SseEmitter progress() {
 *     return sse.stream(stream -> {
 *         stream.send(Map.of("progress", 50), "update");
 *         stream.send(Map.of("complete", true), "done");
 *     });
 * }
 * }</pre>
 *
 * <p>
 * Must be called on the request thread of a Spring MVC handler. The response headers and
 * the first bytes are flushed as soon as the handler returns; the callback runs after
 * that, on the request thread (sync) or on the {@code sseTaskExecutor} (async).
 * Thread-safe.
 */
public interface SseService {

	/**
	 * Opens a stream with the options of {@code application.yml} ({@code sse.*}).
	 * @param callback writes the events; the stream ends when it returns
	 * @return the emitter the controller must return
	 * @throws org.springframework.web.server.ResponseStatusException 503 with
	 * {@code Retry-After} when an async stream cannot get a thread
	 */
	SseEmitter stream(SseCallback callback);

	/**
	 * Opens a stream; options not set fall back to {@code application.yml}.
	 * @param options this stream's options
	 * @param callback writes the events; the stream ends when it returns
	 * @return the emitter the controller must return
	 * @throws org.springframework.web.server.ResponseStatusException 503 with
	 * {@code Retry-After} when an async stream cannot get a thread
	 */
	SseEmitter stream(SseOptions options, SseCallback callback);

	/**
	 * Publishes an unnamed event to a topic: every open subscriber of it gets it, and it
	 * is kept in the topic's history for clients that reconnect with
	 * {@code Last-Event-ID}. Never blocks on a subscriber; cheap with no subscribers. May
	 * be called from any thread.
	 * @param topic the topic
	 * @param data as for {@link SseStream#send(Object)}
	 * @return the event's id, increasing across all topics
	 */
	String publish(String topic, @Nullable Object data);

	/**
	 * Publishes a named event to a topic.
	 * @param topic the topic
	 * @param data as for {@link SseStream#send(Object)}
	 * @param event the event name, or {@code null}
	 * @return the event's id, increasing across all topics
	 * @throws IllegalArgumentException if the name contains CR or LF
	 */
	String publish(String topic, @Nullable Object data, @Nullable String event);

	/**
	 * Opens a stream of the events published to the topics, with the options of
	 * {@code application.yml}. A client reconnecting with {@code Last-Event-ID} first
	 * gets what it missed (or an {@code sse-reset} event when the history no longer
	 * covers it). The stream holds no thread while it waits.
	 * @param topics one or more topics
	 * @return the emitter the controller must return
	 */
	SseEmitter subscribe(String... topics);

	/**
	 * Opens a stream of the events published to the topics. {@code async} has no effect
	 * on a topic stream (it has no callback and never holds a thread); the other options
	 * apply.
	 * @param options this stream's options
	 * @param topics one or more topics
	 * @return the emitter the controller must return
	 */
	SseEmitter subscribe(SseOptions options, String... topics);

}
