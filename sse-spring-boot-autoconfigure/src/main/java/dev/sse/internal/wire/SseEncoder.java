package dev.sse.internal.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Formats Server-Sent Events as UTF-8 bytes, exactly as the WHATWG HTML specification's
 * parser reads them back. The only place that writes {@code data:}, {@code event:},
 * {@code id:}, {@code retry:} and comment lines.
 *
 * <ul>
 * <li>CRLF, LF and a lone CR in data are line breaks: each line becomes its own
 * {@code data:} line, so the client gets the text back with every break as LF; a trailing
 * break and the empty string survive.</li>
 * <li>No line is ever split: large data arrives byte-identical. The output is cut into
 * pieces of at most {@code chunkSize} bytes only so that no event needs one giant
 * buffer.</li>
 * <li>Every line of a comment becomes its own comment line: a comment cannot inject a
 * field.</li>
 * </ul>
 *
 * <p>
 * Thread-safe and stateless apart from its chunk size.
 */
public final class SseEncoder {

	private static final byte[] DATA = bytes("data: ");

	private static final byte[] EVENT = bytes("event: ");

	private static final byte[] ID = bytes("id: ");

	private static final byte[] RETRY = bytes("retry: ");

	private static final byte[] COMMENT = bytes(": ");

	private static final byte[] EMPTY_COMMENT = bytes(":\n");

	/**
	 * Lines shorter than this are encoded with {@link String#getBytes}, the fastest path.
	 */
	private static final int SHORT_LINE = 1024;

	private final int chunkSize;

	/**
	 * @param chunkSize the largest piece the output is cut into, in bytes (at least 64)
	 */
	public SseEncoder(int chunkSize) {
		if (chunkSize < 64) {
			throw new IllegalArgumentException("chunkSize must be at least 64 bytes, was " + chunkSize);
		}
		this.chunkSize = chunkSize;
	}

	/**
	 * Encodes one event.
	 * @param event the event name, or {@code null}/empty for an unnamed event
	 * @param id the id, or {@code null} for none ({@code ""} resets the client's last
	 * event id)
	 * @param data the data, sent as is, line by line
	 * @return the encoded event
	 * @throws IllegalArgumentException if the name contains CR or LF, or the id CR, LF or
	 * NUL
	 */
	public EncodedEvent event(@Nullable String event, @Nullable String id, String data) {
		checkEventName(event);
		checkId(id);
		boolean named = event != null && !event.isEmpty();
		// A UTF-8 byte per character at least: only data shorter than a piece can fit
		// one. Such an event is written straight into one array of its exact size.
		if (data.length() < this.chunkSize) {
			byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
			byte[] name = named ? event.getBytes(StandardCharsets.UTF_8) : null;
			byte[] idBytes = (id != null) ? id.getBytes(StandardCharsets.UTF_8) : null;
			long size = dataSize(bytes) + 1 + ((name != null) ? EVENT.length + name.length + 1 : 0)
					+ ((idBytes != null) ? ID.length + idBytes.length + 1 : 0);
			if (size <= this.chunkSize) {
				return new EncodedEvent(List.of(exact((int) size, name, idBytes, bytes)), true, id);
			}
		}
		Pieces out = new Pieces(this.chunkSize, data.length() + 32);
		if (named) {
			out.write(EVENT);
			out.writeText(event, 0, event.length());
			out.write('\n');
		}
		if (id != null) {
			out.write(ID);
			out.writeText(id, 0, id.length());
			out.write('\n');
		}
		forEachLine(data, (start, end) -> {
			out.write(DATA);
			out.writeText(data, start, end);
			out.write('\n');
		});
		out.write('\n');
		return out.finish(true, id);
	}

	/**
	 * The bytes of the data lines ("data: ", the line, LF for each). CR and LF are single
	 * bytes in UTF-8 and never part of another character's bytes.
	 */
	private static long dataSize(byte[] data) {
		long size = 0;
		int start = 0;
		for (int i = 0; i < data.length; i++) {
			byte b = data[i];
			if (b == '\n' || b == '\r') {
				size += DATA.length + (i - start) + 1;
				if (b == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
					i++;
				}
				start = i + 1;
			}
		}
		return size + DATA.length + (data.length - start) + 1;
	}

	private static byte[] exact(int size, byte @Nullable [] event, byte @Nullable [] id, byte[] data) {
		byte[] out = new byte[size];
		int at = 0;
		if (event != null) {
			at = put(out, at, EVENT, 0, EVENT.length);
			at = put(out, at, event, 0, event.length);
			out[at++] = '\n';
		}
		if (id != null) {
			at = put(out, at, ID, 0, ID.length);
			at = put(out, at, id, 0, id.length);
			out[at++] = '\n';
		}
		int start = 0;
		for (int i = 0; i < data.length; i++) {
			byte b = data[i];
			if (b == '\n' || b == '\r') {
				at = put(out, at, DATA, 0, DATA.length);
				at = put(out, at, data, start, i - start);
				out[at++] = '\n';
				if (b == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
					i++;
				}
				start = i + 1;
			}
		}
		at = put(out, at, DATA, 0, DATA.length);
		at = put(out, at, data, start, data.length - start);
		out[at++] = '\n';
		out[at] = '\n';
		return out;
	}

	private static int put(byte[] out, int at, byte[] bytes, int offset, int length) {
		System.arraycopy(bytes, offset, out, at, length);
		return at + length;
	}

	/**
	 * Encodes a comment, one comment line per line of the text.
	 * @param text the comment, or {@code null}/empty for an empty comment line
	 * @return the encoded comment
	 */
	public EncodedEvent comment(@Nullable String text) {
		if (text == null || text.isEmpty()) {
			return new EncodedEvent(List.of(EMPTY_COMMENT), false, null);
		}
		Pieces out = new Pieces(this.chunkSize, text.length() + 8);
		forEachLine(text, (start, end) -> {
			if (start == end) {
				out.write(':');
			}
			else {
				out.write(COMMENT);
				out.writeText(text, start, end);
			}
			out.write('\n');
		});
		return out.finish(false, null);
	}

	/**
	 * The first bytes of every stream: a comment that makes the client see the connection
	 * open at once, and the reconnection delay when one is set. Never dispatches an
	 * event.
	 * @param retry the client's reconnection delay; zero sends no {@code retry:} field
	 * @return the opening bytes
	 */
	public EncodedEvent opening(Duration retry) {
		return opening(retry, null);
	}

	/**
	 * The first bytes of a stream that also sets the client's last event id, without
	 * dispatching an event (a block with an {@code id:} field and no data only updates
	 * it): a client that reconnects before any event arrived then resumes from there.
	 * @param retry the client's reconnection delay; zero sends no {@code retry:} field
	 * @param id the id to set, or {@code null} for none
	 * @return the opening bytes
	 * @throws IllegalArgumentException if the id contains CR, LF or NUL
	 */
	public EncodedEvent opening(Duration retry, @Nullable String id) {
		checkId(id);
		Pieces out = new Pieces(this.chunkSize, 48);
		out.write(bytes(": ok\n"));
		writeRetry(out, retry);
		if (id != null) {
			out.write(ID);
			out.writeText(id, 0, id.length());
			out.write('\n');
		}
		out.write('\n');
		return out.finish(false, null);
	}

	/**
	 * A reconnection delay on its own (a blank line ends it; no event is dispatched), for
	 * example when the application stops and clients should come back soon.
	 * @param retry the delay; positive
	 * @return the bytes
	 */
	public EncodedEvent retry(Duration retry) {
		Pieces out = new Pieces(this.chunkSize, 16);
		writeRetry(out, retry);
		out.write('\n');
		return out.finish(false, null);
	}

	/**
	 * A positive delay below one millisecond is sent as 1: {@code retry: 0} would mean
	 * reconnect at once.
	 */
	private static void writeRetry(Pieces out, Duration retry) {
		if (retry.isZero() || retry.isNegative()) {
			return;
		}
		long millis = retry.toMillis();
		if (Duration.ofMillis(millis).compareTo(retry) < 0) {
			millis++;
		}
		out.write(RETRY);
		out.write(bytes(Long.toString(millis)));
		out.write('\n');
	}

	/**
	 * Encodes the event that tells a client its stream's callback failed:
	 * {@code {"error":"Internal Server Error"}}, with {@code "message"} when one is
	 * given. The JSON is written here, so that the error event needs no JSON library.
	 * @param event the event name
	 * @param message the failure's message, or {@code null} to leave it out
	 * @return the encoded event
	 */
	public EncodedEvent error(String event, @Nullable String message) {
		StringBuilder json = new StringBuilder("{\"error\":\"Internal Server Error\"");
		if (message != null) {
			json.append(",\"message\":");
			appendJsonString(json, message);
		}
		return event(event, null, json.append('}').toString());
	}

	private static void appendJsonString(StringBuilder json, String text) {
		json.append('"');
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

	/**
	 * Checks an event name.
	 * @param event the name, may be {@code null}
	 * @throws IllegalArgumentException if the name contains CR or LF
	 */
	public static void checkEventName(@Nullable String event) {
		if (event != null && (event.indexOf('\n') >= 0 || event.indexOf('\r') >= 0)) {
			throw new IllegalArgumentException(
					"SSE event name must not contain CR or LF (it would end the field): " + quote(event));
		}
	}

	/**
	 * Checks an event id.
	 * @param id the id, may be {@code null}
	 * @throws IllegalArgumentException if the id contains CR, LF or NUL
	 */
	public static void checkId(@Nullable String id) {
		if (id != null && (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0 || id.indexOf('\0') >= 0)) {
			throw new IllegalArgumentException(
					"SSE event id must not contain CR, LF or NUL (clients would drop or split it): " + quote(id));
		}
	}

	private static String quote(String value) {
		String shown = (value.length() > 80) ? value.substring(0, 80) + "..." : value;
		return '"' + shown.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0") + '"';
	}

	/**
	 * Calls the action once per line; CRLF, LF and CR end a line; a trailing break yields
	 * an empty last line.
	 */
	private static void forEachLine(String text, LineAction action) {
		int start = 0;
		int length = text.length();
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			if (c == '\n' || c == '\r') {
				action.line(start, i);
				if (c == '\r' && i + 1 < length && text.charAt(i + 1) == '\n') {
					i++;
				}
				start = i + 1;
			}
		}
		action.line(start, length);
	}

	private static byte[] bytes(String ascii) {
		return ascii.getBytes(StandardCharsets.UTF_8);
	}

	@FunctionalInterface
	private interface LineAction {

		void line(int start, int end);

	}

	/**
	 * Collects output into pieces of at most chunkSize bytes; small outputs take one
	 * exact-size array.
	 */
	private static final class Pieces {

		private final int chunkSize;

		private final List<byte[]> done = new ArrayList<>(1);

		private byte[] buffer;

		private int count;

		private @Nullable CharsetEncoder encoder;

		Pieces(int chunkSize, int expected) {
			this.chunkSize = chunkSize;
			this.buffer = new byte[Math.min(chunkSize, Math.max(64, expected + expected / 4))];
		}

		void write(int b) {
			ensure(1);
			this.buffer[this.count++] = (byte) b;
		}

		void write(byte[] bytes) {
			int offset = 0;
			while (offset < bytes.length) {
				ensure(1);
				int n = Math.min(bytes.length - offset, this.buffer.length - this.count);
				System.arraycopy(bytes, offset, this.buffer, this.count, n);
				this.count += n;
				offset += n;
			}
		}

		void writeText(String text, int start, int end) {
			if (end - start < SHORT_LINE) {
				write(text.substring(start, end).getBytes(StandardCharsets.UTF_8));
				return;
			}
			CharsetEncoder enc = encoder().reset();
			CharBuffer in = CharBuffer.wrap(text, start, end);
			CoderResult result;
			do {
				ensure(4);
				ByteBuffer out = ByteBuffer.wrap(this.buffer, this.count, this.buffer.length - this.count);
				result = enc.encode(in, out, true);
				if (result.isUnderflow()) {
					result = enc.flush(out);
				}
				this.count = out.position();
				if (result.isOverflow()) {
					// The encoder never splits a surrogate pair, so the next piece starts
					// on a character boundary.
					makeRoom();
				}
			}
			while (result.isOverflow());
		}

		private CharsetEncoder encoder() {
			if (this.encoder == null) {
				this.encoder = StandardCharsets.UTF_8.newEncoder()
					.onMalformedInput(CodingErrorAction.REPLACE)
					.onUnmappableCharacter(CodingErrorAction.REPLACE);
			}
			return this.encoder;
		}

		/** Makes room for at least {@code n} bytes (n is at most 4). */
		private void ensure(int n) {
			while (this.buffer.length - this.count < n) {
				makeRoom();
			}
		}

		/**
		 * Grows the buffer up to chunkSize; once it is that large, starts a new piece.
		 */
		private void makeRoom() {
			if (this.buffer.length < this.chunkSize) {
				this.buffer = Arrays.copyOf(this.buffer, Math.min(this.chunkSize, this.buffer.length * 2));
			}
			else {
				flushPiece();
			}
		}

		private void flushPiece() {
			if (this.count > 0) {
				this.done
					.add((this.count == this.buffer.length) ? this.buffer : Arrays.copyOf(this.buffer, this.count));
			}
			this.buffer = new byte[this.chunkSize];
			this.count = 0;
		}

		EncodedEvent finish(boolean event, @Nullable String id) {
			if (this.count > 0) {
				this.done
					.add((this.count == this.buffer.length) ? this.buffer : Arrays.copyOf(this.buffer, this.count));
			}
			return new EncodedEvent(this.done, event, id);
		}

	}

}
