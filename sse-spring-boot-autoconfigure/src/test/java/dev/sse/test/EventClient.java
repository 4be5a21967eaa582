package dev.sse.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;

/**
 * A spec-compliant SSE client (OkHttp's), recording the events it dispatches. Does not
 * reconnect: each instance is one connection.
 */
public final class EventClient extends EventSourceListener implements AutoCloseable {

	// No idle connection is kept: one the server closed meanwhile (a stream that ended,
	// a test that restarted its server on the same port) would be reused by the next
	// client, fail at once (no retry), and that client would never open its stream.
	private static final OkHttpClient HTTP = new OkHttpClient.Builder().readTimeout(Duration.ZERO)
		.retryOnConnectionFailure(false)
		.dispatcher(dispatcher())
		.connectionPool(new okhttp3.ConnectionPool(0, 1, java.util.concurrent.TimeUnit.SECONDS))
		.build();

	private static okhttp3.Dispatcher dispatcher() {
		okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
		dispatcher.setMaxRequests(5000);
		dispatcher.setMaxRequestsPerHost(5000);
		return dispatcher;
	}

	/** One dispatched event. */
	public record Event(String type, String data, String id) {
	}

	private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

	private final List<Event> all = new ArrayList<>();

	private volatile Response response;

	private volatile boolean closed;

	private final CountDownLatch closedLatch = new CountDownLatch(1);

	private volatile Throwable failure;

	private final EventSource source;

	private final java.util.function.Consumer<Event> onEach;

	private EventClient(OkHttpClient http, Request request, java.util.function.Consumer<Event> onEach) {
		this.onEach = onEach;
		this.source = EventSources.createFactory(http).newEventSource(request, this);
	}

	public static EventClient connect(int port, String path, String... headerPairs) {
		return new EventClient(HTTP, request(port, path, headerPairs), (event) -> {
		});
	}

	/**
	 * A client whose socket has a small receive buffer, so the server's writes block as
	 * soon as it falls behind; {@code onEach} runs on the reading thread for every event
	 * (a slow reader slows down there).
	 */
	public static EventClient connect(int port, int receiveBufferBytes, java.util.function.Consumer<Event> onEach,
			String path, String... headerPairs) {
		OkHttpClient http = HTTP.newBuilder().socketFactory(new SmallReceiveBuffer(receiveBufferBytes)).build();
		return new EventClient(http, request(port, path, headerPairs), onEach);
	}

	private static Request request(int port, String path, String... headerPairs) {
		Request.Builder builder = new Request.Builder().url("http://127.0.0.1:" + port + path);
		for (int i = 0; i + 1 < headerPairs.length; i += 2) {
			builder.header(headerPairs[i], headerPairs[i + 1]);
		}
		return builder.build();
	}

	/**
	 * Sets the receive buffer before connecting, so the TCP window is small from the
	 * start.
	 */
	private static final class SmallReceiveBuffer extends javax.net.SocketFactory {

		private final int bytes;

		SmallReceiveBuffer(int bytes) {
			this.bytes = bytes;
		}

		@Override
		public java.net.Socket createSocket() throws java.io.IOException {
			java.net.Socket socket = new java.net.Socket();
			socket.setReceiveBufferSize(this.bytes);
			return socket;
		}

		@Override
		public java.net.Socket createSocket(String host, int port) throws java.io.IOException {
			java.net.Socket socket = createSocket();
			socket.connect(new java.net.InetSocketAddress(host, port));
			return socket;
		}

		@Override
		public java.net.Socket createSocket(String host, int port, java.net.InetAddress localHost, int localPort)
				throws java.io.IOException {
			return createSocket(host, port);
		}

		@Override
		public java.net.Socket createSocket(java.net.InetAddress host, int port) throws java.io.IOException {
			java.net.Socket socket = createSocket();
			socket.connect(new java.net.InetSocketAddress(host, port));
			return socket;
		}

		@Override
		public java.net.Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress localAddress,
				int localPort) throws java.io.IOException {
			return createSocket(address, port);
		}

	}

	@Override
	public void onOpen(EventSource eventSource, Response response) {
		this.response = response;
	}

	@Override
	public void onEvent(EventSource eventSource, String id, String type, String data) {
		Event event = new Event((type != null) ? type : "message", data, id);
		synchronized (this.all) {
			this.all.add(event);
		}
		this.events.add(event);
		this.onEach.accept(event);
	}

	@Override
	public void onClosed(EventSource eventSource) {
		this.closed = true;
		this.closedLatch.countDown();
	}

	@Override
	public void onFailure(EventSource eventSource, Throwable t, Response response) {
		this.failure = t;
		this.response = (response != null) ? response : this.response;
		this.closed = true;
		this.closedLatch.countDown();
	}

	/** The next event, waiting at most the timeout; fails the test if none comes. */
	public Event next(Duration timeout) throws InterruptedException {
		Event event = this.events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		if (event == null) {
			throw new AssertionError(
					"No event within " + timeout + " (closed=" + this.closed + ", failure=" + this.failure + ")");
		}
		return event;
	}

	/** The next event, or {@code null} if none comes within the timeout. */
	public Event poll(Duration timeout) throws InterruptedException {
		return this.events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** Waits for the stream to end and returns every event it dispatched. */
	public List<Event> awaitClosed(Duration timeout) throws InterruptedException {
		if (!this.closedLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new AssertionError("Stream not closed within " + timeout + "; events: " + events());
		}
		return events();
	}

	public List<Event> events() {
		synchronized (this.all) {
			return List.copyOf(this.all);
		}
	}

	public boolean isClosed() {
		return this.closed;
	}

	public Throwable failure() {
		return this.failure;
	}

	public Response response() {
		return this.response;
	}

	@Override
	public void close() {
		this.source.cancel();
	}

}
