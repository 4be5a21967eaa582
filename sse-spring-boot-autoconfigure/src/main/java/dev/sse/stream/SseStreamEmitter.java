package dev.sse.stream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.sse.wire.EncodedEvent;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
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
 * the stream. Before that, Spring holds such sends and writes them with the opening
 * bytes.
 */
final class SseStreamEmitter extends SseEmitter {

	static final String CONTENT_TYPE = "text/event-stream;charset=UTF-8";

	private final DataConverter dataConverter;

	private volatile @Nullable AbstractStream stream;

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
	}

	/**
	 * The opening bytes: held by Spring until it initialises the emitter, then written
	 * and flushed.
	 */
	void sendEarly(EncodedEvent event) throws IOException {
		Set<DataWithMediaType> items = new LinkedHashSet<>(event.pieces().size() * 2);
		for (byte[] piece : event.pieces()) {
			items.add(new DataWithMediaType(piece, MediaType.APPLICATION_OCTET_STREAM));
		}
		super.send(items);
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
		AbstractStream s = this.stream;
		if (s == null || !s.isStarted()) {
			super.send(builder);
			return;
		}
		deliver(s, builder.build());
	}

	@Override
	public void send(Set<DataWithMediaType> items) throws IOException {
		AbstractStream s = this.stream;
		if (s == null || !s.isStarted()) {
			super.send(items);
			return;
		}
		deliver(s, items);
	}

	private void deliver(AbstractStream s, Set<DataWithMediaType> items) {
		if (!s.deliver(toBytes(items))) {
			throw new IllegalStateException("The SSE stream has ended (" + s.closeReason() + ")");
		}
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
		if (s == null || !s.isStarted()) {
			super.complete();
			return;
		}
		s.end(CloseReason.COMPLETED);
	}

	@Override
	public void completeWithError(Throwable ex) {
		AbstractStream s = this.stream;
		if (s == null || !s.isStarted()) {
			super.completeWithError(ex);
			return;
		}
		s.end(CloseReason.ERROR);
	}

}
