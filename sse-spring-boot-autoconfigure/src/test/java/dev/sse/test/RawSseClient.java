package dev.sse.test;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * An HTTP/1.1 client on a plain socket that shows the exact bytes of a response: status
 * line, headers, and the body with its chunked framing removed, as it arrives. Used to
 * assert the wire byte for byte, independently of any SSE parser.
 */
public final class RawSseClient implements Closeable {

	private final Socket socket;

	private final InputStream in;

	private final ByteArrayOutputStream raw = new ByteArrayOutputStream();

	private int rawPos;

	private final ByteArrayOutputStream body = new ByteArrayOutputStream();

	private String statusLine = "";

	private final Map<String, List<String>> headers = new LinkedHashMap<>();

	private boolean chunked;

	private long contentLength = -1;

	private boolean ended;

	private boolean afterChunkData;

	private RawSseClient(Socket socket) throws IOException {
		this.socket = socket;
		this.in = socket.getInputStream();
		socket.setSoTimeout(100);
	}

	/**
	 * Sends a GET and reads the status line and headers.
	 */
	public static RawSseClient get(int port, String path, String... headerLines) throws IOException {
		return request(port, "GET", path, headerLines);
	}

	public static RawSseClient request(int port, String method, String path, String... headerLines) throws IOException {
		Socket socket = new Socket("127.0.0.1", port);
		RawSseClient client = new RawSseClient(socket);
		StringBuilder request = new StringBuilder();
		request.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
		request.append("Host: 127.0.0.1:").append(port).append("\r\n");
		boolean hasAccept = false;
		for (String line : headerLines) {
			request.append(line).append("\r\n");
			hasAccept |= line.toLowerCase(Locale.ROOT).startsWith("accept:");
		}
		if (!hasAccept) {
			request.append("Accept: text/event-stream\r\n");
		}
		request.append("\r\n");
		OutputStream out = socket.getOutputStream();
		out.write(request.toString().getBytes(StandardCharsets.UTF_8));
		out.flush();
		client.readHead(Duration.ofSeconds(10));
		return client;
	}

	private void readHead(Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			byte[] bytes = this.raw.toByteArray();
			String text = new String(bytes, StandardCharsets.ISO_8859_1);
			int end = text.indexOf("\r\n\r\n");
			if (end >= 0) {
				String[] lines = text.substring(0, end).split("\r\n");
				this.statusLine = lines[0];
				for (int i = 1; i < lines.length; i++) {
					int colon = lines[i].indexOf(':');
					this.headers
						.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
								(k) -> new ArrayList<>())
						.add(lines[i].substring(colon + 1).trim());
				}
				this.rawPos = end + 4;
				this.chunked = header("transfer-encoding") != null
						&& header("transfer-encoding").toLowerCase(Locale.ROOT).contains("chunked");
				String length = header("content-length");
				this.contentLength = (length != null) ? Long.parseLong(length) : -1;
				return;
			}
			if (System.nanoTime() > deadline) {
				throw new IOException("No response head within " + timeout + "; got: " + text);
			}
			if (readSome() < 0) {
				throw new IOException("Connection closed before the response head; got: " + text);
			}
		}
	}

	/** Reads what the socket has; -1 at end of stream, 0 on a short timeout. */
	private int readSome() throws IOException {
		byte[] buffer = new byte[65536];
		try {
			int n = this.in.read(buffer);
			if (n > 0) {
				this.raw.write(buffer, 0, n);
			}
			return n;
		}
		catch (SocketTimeoutException ex) {
			return 0;
		}
	}

	/** Moves complete chunks (or plain body bytes) from the raw buffer to the body. */
	private void decode() {
		byte[] bytes = this.raw.toByteArray();
		if (!this.chunked) {
			this.body.write(bytes, this.rawPos, bytes.length - this.rawPos);
			this.rawPos = bytes.length;
			if (this.contentLength >= 0 && this.body.size() >= this.contentLength) {
				this.ended = true;
			}
			return;
		}
		while (!this.ended) {
			// The CRLF that ends a chunk's data may arrive only with the next chunk
			// (Jetty writes it
			// as that chunk's prefix), so a chunk's data counts as soon as it is all
			// here.
			if (this.rawPos + 1 < bytes.length && bytes[this.rawPos] == '\r' && bytes[this.rawPos + 1] == '\n'
					&& this.afterChunkData) {
				this.rawPos += 2;
				this.afterChunkData = false;
			}
			int lineEnd = indexOfCrlf(bytes, this.rawPos);
			if (lineEnd < 0) {
				return;
			}
			String sizeLine = new String(bytes, this.rawPos, lineEnd - this.rawPos, StandardCharsets.ISO_8859_1);
			int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
			if (size == 0) {
				this.ended = true;
				return;
			}
			if (bytes.length < lineEnd + 2 + size) {
				return;
			}
			this.body.write(bytes, lineEnd + 2, size);
			this.rawPos = lineEnd + 2 + size;
			this.afterChunkData = true;
		}
	}

	private static int indexOfCrlf(byte[] bytes, int from) {
		for (int i = from; i + 1 < bytes.length; i++) {
			if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
				return i;
			}
		}
		return -1;
	}

	/**
	 * Reads until the body so far satisfies the condition.
	 * @return the body so far
	 */
	public String awaitBody(Predicate<String> condition, Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			decode();
			String text = body();
			if (condition.test(text)) {
				return text;
			}
			if (this.ended) {
				throw new IOException("Response ended before the expected body; got: " + abbreviate(text));
			}
			if (System.nanoTime() > deadline) {
				throw new IOException("Expected body not seen within " + timeout + "; got: " + abbreviate(text));
			}
			if (readSome() < 0) {
				decode();
				if (condition.test(body())) {
					return body();
				}
				throw new IOException("Connection closed before the expected body; got: " + abbreviate(body()));
			}
		}
	}

	public String awaitBodyContaining(String part, Duration timeout) throws IOException {
		return awaitBody((text) -> text.contains(part), timeout);
	}

	/**
	 * Reads until the response ends (last chunk or end of stream).
	 * @return the whole body
	 */
	public String awaitEnd(Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			decode();
			if (this.ended) {
				return body();
			}
			if (System.nanoTime() > deadline) {
				throw new IOException("Response did not end within " + timeout + "; got: " + abbreviate(body()));
			}
			if (readSome() < 0) {
				decode();
				return body();
			}
		}
	}

	private static String abbreviate(String text) {
		return (text.length() > 2000) ? text.substring(0, 2000) + "...(" + text.length() + " chars)" : text;
	}

	public String body() {
		return this.body.toString(StandardCharsets.UTF_8);
	}

	public byte[] bodyBytes() {
		return this.body.toByteArray();
	}

	public String statusLine() {
		return this.statusLine;
	}

	public int status() {
		return Integer.parseInt(this.statusLine.split(" ")[1]);
	}

	/** The first value of a header, or null. */
	public String header(String name) {
		List<String> values = this.headers.get(name.toLowerCase(Locale.ROOT));
		return (values != null) ? values.get(0) : null;
	}

	public List<String> headers(String name) {
		return this.headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
	}

	public Map<String, List<String>> headers() {
		return this.headers;
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
