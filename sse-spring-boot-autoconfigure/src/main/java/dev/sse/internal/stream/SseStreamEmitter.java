package dev.sse.internal.stream;

import dev.sse.spi.CloseReason;
import dev.sse.spi.DataConverter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.sse.internal.wire.EncodedEvent;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The emitter a stream's controller returns. It sets the stream's headers before the
 * first byte and never lets the container's async timeout end the stream (the starter
 * times streams out itself, the same way on every container).
 *
 * <p>
 * Once the stream is open, its writer owns the response: what the application sends
 * through this emitter's own {@code send} methods goes through the stream (in order with
 * its events, never interleaved with a write in progress), and {@code complete()} ends
 * the stream. Sends made before then are kept, and written right after the opening bytes,
 * which the stream writes itself when it opens (not through Spring's early sends, so that
 * a client gone by then is the stream's to handle).
 */
final class SseStreamEmitter extends SseEmitter {

	static final String CONTENT_TYPE = "text/event-stream;charset=UTF-8";

	private final DataConverter dataConverter;

	private volatile @Nullable AbstractStream stream;

	private volatile @Nullable ServerHttpResponse response;

	private final List<EncodedEvent> early = new ArrayList<>();

	SseStreamEmitter(DataConverter dataConverter) {
		// 0: no container timeout, whatever spring.mvc.async.request-timeout says.
		super(0L);
		this.dataConverter = dataConverter;
	}

	void attach(AbstractStream stream) {
		this.stream = stream;
	}

	@Override
	protected void extendResponse(ServerHttpResponse outputMessage) {
		HttpHeaders headers = outputMessage.getHeaders();
		headers.set(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE);
		headers.set(HttpHeaders.CACHE_CONTROL, "no-cache, no-transform");
		headers.set("X-Accel-Buffering", "no");
		this.response = outputMessage;
	}

	/**
	 * Puts the headers Spring gathered (ours, and those of a {@code ResponseEntity} the
	 * handler returned) on the servlet response: Spring applies them when its response's
	 * body is first used.
	 * @throws IOException if the response cannot be written
	 */
	void applyHeaders() throws IOException {
		ServerHttpResponse spring = this.response;
		if (spring != null) {
			spring.getBody();
		}
	}

	/**
	 * What the application sent through this emitter before its stream opened: written
	 * right after the opening, in order (Spring's own early sends are not used, so a
	 * failure to write them is the stream's to handle).
	 * @return the bytes, in order; emptied
	 */
	List<EncodedEvent> takeEarly() {
		synchronized (this.early) {
			List<EncodedEvent> taken = List.copyOf(this.early);
			this.early.clear();
			return taken;
		}
	}

	/**
	 * Ends an emitter whose stream never opened: Spring completes it when (or if) it
	 * initialises it.
	 */
	void completeUnopened() {
		try {
			super.complete();
		}
		catch (RuntimeException ex) {
			// Already completed.
		}
	}

	/**
	 * Every {@code send} of {@link SseEmitter} ends here (its own sends call this one).
	 */
	@Override
	public void send(SseEventBuilder builder) throws IOException {
		send(builder.build());
	}

	@Override
	public void send(Set<DataWithMediaType> items) throws IOException {
		EncodedEvent bytes = toBytes(items);
		AbstractStream s = this.stream;
		synchronized (this.early) {
			if (s == null || !s.takesWrites()) {
				if (s != null && s.isClosed()) {
					// Ended before it took writes (its client left while it opened, or it
					// was cut off): nothing will ever write these bytes.
					this.early.clear();
					throw new IllegalStateException("The SSE stream has ended (" + s.closeReason() + ")");
				}
				this.early.add(bytes);
				return;
			}
		}
		if (!s.deliver(bytes)) {
			throw new IllegalStateException("The SSE stream has ended (" + s.closeReason() + ")");
		}
	}

	/** Guards the early sends and the moment the stream starts taking writes itself. */
	Object earlyLock() {
		return this.early;
	}

	private EncodedEvent toBytes(Set<DataWithMediaType> items) {
		List<byte[]> pieces = new ArrayList<>(items.size());
		for (DataWithMediaType item : items) {
			Object data = item.getData();
			if (data instanceof byte[] bytes) {
				pieces.add(bytes);
			}
			else {
				String text = (data instanceof CharSequence chars) ? chars.toString() : this.dataConverter.toText(data);
				pieces.add(text.getBytes(StandardCharsets.UTF_8));
			}
		}
		return EncodedEvent.raw(pieces);
	}

	@Override
	public void complete() {
		AbstractStream s = this.stream;
		if (s == null) {
			super.complete();
			return;
		}
		// Before the stream opened too: the stream ends (it will not open, its callback
		// does not run) and completes this emitter.
		s.end(CloseReason.COMPLETED);
	}

	@Override
	public void completeWithError(Throwable ex) {
		AbstractStream s = this.stream;
		if (s == null) {
			super.completeWithError(ex);
			return;
		}
		s.end(CloseReason.ERROR);
	}

}
