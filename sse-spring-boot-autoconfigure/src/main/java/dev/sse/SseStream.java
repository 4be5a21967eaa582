package dev.sse;

import org.jspecify.annotations.Nullable;

/**
 * One client's open event stream, handed to an {@link SseCallback}.
 *
 * <p>
 * Thread-safe: every method may be called from any thread at once; events never
 * interleave on the wire. Once closed (by {@link #close()}, the timeout, the server
 * shutting down or the client going away) the stream stays closed: {@code send} and
 * {@code comment} then return {@code false} and write nothing.
 */
public interface SseStream {

	/**
	 * Sends an unnamed event ({@code message} on the client).
	 * @param data a string (sent as is, each line break becoming its own {@code data:}
	 * line), a number or boolean (its plain text), or any other object (compact JSON
	 * through the application's Jackson mapper); {@code null} is sent as {@code null}
	 * @return {@code true} when the event was accepted for the wire, {@code false} once
	 * closed
	 */
	boolean send(@Nullable Object data);

	/**
	 * Sends a named event.
	 * @param data as for {@link #send(Object)}
	 * @param event the event name; {@code null} or empty sends an unnamed event
	 * @return {@code true} when the event was accepted for the wire, {@code false} once
	 * closed
	 * @throws IllegalArgumentException if the name contains CR or LF (nothing is written
	 * and the stream stays open)
	 */
	boolean send(@Nullable Object data, @Nullable String event);

	/**
	 * Sends a named event with an id the client reports back as {@code Last-Event-ID}
	 * when it reconnects.
	 * @param data as for {@link #send(Object)}
	 * @param event the event name; {@code null} or empty sends an unnamed event
	 * @param id the event id (its string form); {@code null} sends none, {@code ""}
	 * resets the client's last event id
	 * @return {@code true} when the event was accepted for the wire, {@code false} once
	 * closed
	 * @throws IllegalArgumentException if the name contains CR or LF, or the id contains
	 * CR, LF or NUL (nothing is written and the stream stays open)
	 */
	boolean send(@Nullable Object data, @Nullable String event, @Nullable Object id);

	/**
	 * Sends a comment: ignored by clients, useful to keep a connection alive. Every line
	 * of the text becomes its own comment line, so a comment can never inject a field.
	 * @param text the comment; {@code null} sends an empty comment
	 * @return {@code true} when accepted for the wire, {@code false} once closed
	 */
	boolean comment(@Nullable String text);

	/**
	 * Ends the stream and its HTTP response at once. Idempotent.
	 */
	void close();

	/**
	 * Whether the stream has ended: after {@link #close()}, the timeout, server shutdown,
	 * or the client going away (noticed within {@code sse.disconnect-detection-interval}
	 * even when the stream sends nothing).
	 * @return {@code true} once closed
	 */
	boolean isClosed();

	/**
	 * Runs an action once when the stream ends, for whatever reason (the callback
	 * returned, {@code close()}, the timeout, the client leaving, shutdown): release here
	 * what the callback holds, such as a subscription to a source of events, without
	 * polling {@link #isClosed()}. Runs on the thread that ends the stream, so it must be
	 * quick; an action that throws is logged. Added after the stream has ended, it runs
	 * at once.
	 * @param action what to run
	 */
	void onClose(Runnable action);

	/**
	 * The {@code Last-Event-ID} the client sent when it (re)connected.
	 * @return the header's value, or {@code null} on a first connection
	 */
	@Nullable String lastEventId();

}
