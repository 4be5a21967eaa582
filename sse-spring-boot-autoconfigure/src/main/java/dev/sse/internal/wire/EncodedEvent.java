package dev.sse.internal.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The bytes of one event (or comment) as it goes on the wire, in pieces no larger than
 * the encoder's chunk size. Immutable once built; encoded once, it can be written to any
 * number of streams.
 */
public final class EncodedEvent {

	private final List<byte[]> pieces;

	private final long length;

	private final boolean event;

	private final @Nullable String id;

	EncodedEvent(List<byte[]> pieces, boolean event, @Nullable String id) {
		this.pieces = List.copyOf(pieces);
		this.event = event;
		this.id = id;
		long total = 0;
		for (byte[] piece : this.pieces) {
			total += piece.length;
		}
		this.length = total;
	}

	/**
	 * Bytes framed elsewhere (an application's own {@code SseEmitter} events), sent as
	 * they are.
	 * @param pieces the bytes, in wire order
	 * @return them, counted as one event
	 */
	public static EncodedEvent raw(List<byte[]> pieces) {
		return new EncodedEvent(pieces, true, null);
	}

	/**
	 * The pieces, in wire order. Callers must not modify the arrays.
	 * @return the pieces
	 */
	public List<byte[]> pieces() {
		return this.pieces;
	}

	/**
	 * The number of bytes on the wire.
	 * @return the total length of the pieces
	 */
	public long length() {
		return this.length;
	}

	/**
	 * Whether these bytes are an event (rather than a comment or a stream's opening).
	 * @return {@code true} for an event
	 */
	public boolean isEvent() {
		return this.event;
	}

	/**
	 * The event's id.
	 * @return the id, or {@code null} when it has none (or is not an event)
	 */
	public @Nullable String id() {
		return this.id;
	}

	/**
	 * The whole event as one string; for tests and logs, not for the write path.
	 * @return the UTF-8 text of the event
	 */
	public String asString() {
		ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(this.length, Integer.MAX_VALUE));
		for (byte[] piece : this.pieces) {
			out.writeBytes(piece);
		}
		return out.toString(StandardCharsets.UTF_8);
	}

	@Override
	public String toString() {
		return "EncodedEvent[" + this.length + " bytes in " + this.pieces.size() + " pieces]";
	}

}
