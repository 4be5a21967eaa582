package dev.sse.internal.stream;

import dev.sse.spi.CloseReason;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamMode;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sse.SseOptions;
import dev.sse.internal.wire.EncodedEvent;
import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscriber of topics. It subscribes on the handler's thread, before the response is
 * committed (so a refusal is still an HTTP status), and queues what the broker hands it,
 * replay first, for its {@link NonBlockingWriter}. It never blocks the publisher: a
 * backlog past {@code sse.topics.buffer-size} cuts it off as a slow client (it reconnects
 * and replays from history), except a replay that alone is too large, which becomes an
 * {@code sse-reset}. Internal.
 */
final class TopicStream extends AbstractStream implements SseBroker.Subscriber {

	private static final Logger log = LoggerFactory.getLogger(TopicStream.class);

	private final List<String> topics;

	private final NonBlockingWriter queue;

	private final long bufferSize;

	private final AtomicBoolean cuttingOff = new AtomicBoolean();

	private volatile SseBroker.@Nullable Subscription subscription;

	/**
	 * The subscribing thread while the broker replays on it: what it delivers then is
	 * replay; live events come from other threads, and the broker sends them only after
	 * the replay.
	 */
	private volatile @Nullable Thread replayer;

	private boolean replayTooLarge;

	TopicStream(StreamContext context, SseStreamEmitter emitter, StreamRequest request, SseOptions options,
			List<String> topics) {
		super(context, emitter, request, options);
		this.topics = List.copyOf(topics);
		this.bufferSize = context.topics().bufferSize();
		this.queue = new NonBlockingWriter(this, context.executors().writers());
	}

	/**
	 * Subscribes, with replay from the request's {@code Last-Event-ID}. Runs on the
	 * handler's thread.
	 * @return the subscription's position, for the opening's {@code id:} field
	 * @throws RuntimeException what the broker throws (unreachable, too many topics)
	 */
	String subscribe() {
		SseBroker.Subscription s;
		this.replayer = Thread.currentThread();
		try {
			s = context().broker().subscribe(this.topics, request().lastEventId(), this);
		}
		finally {
			this.replayer = null;
		}
		this.subscription = s;
		// An end() that ran meanwhile found no subscription to close.
		if (isClosed()) {
			s.close();
		}
		return s.position();
	}

	// ---- from the broker: never blocks ----

	@Override
	public void event(BrokerEvent event) {
		enqueue(context().topicEncoder().encode(event));
	}

	@Override
	public void reset() {
		enqueue(context().reset());
	}

	private void enqueue(EncodedEvent encoded) {
		if (isClosed() || this.cuttingOff.get()) {
			return;
		}
		if (this.replayer == Thread.currentThread()) {
			if (this.replayTooLarge) {
				return;
			}
			if (this.queue.queuedBytes() + encoded.length() > this.bufferSize) {
				// Cutting it off would only make it reconnect with the same id, again and
				// again. The reset is queued now, still inside the broker's replay, so it
				// comes before any live event.
				this.replayTooLarge = true;
				this.queue.discardQueued();
				this.queue.write(context().reset());
				log.info(
						"SSE topic stream {}: the replay is larger than sse.topics.buffer-size ({} bytes); "
								+ "sending {} instead",
						description(), this.bufferSize, context().topics().resetEvent());
				return;
			}
		}
		this.queue.write(encoded);
		if (this.queue.queuedBytes() > this.bufferSize && this.cuttingOff.compareAndSet(false, true)) {
			log.info("Cutting off SSE topic stream {}: its backlog passed sse.topics.buffer-size ({} bytes)",
					description(), this.bufferSize);
			// Not on the publisher's thread: it may hold the broker's lock, which closing
			// the subscription takes.
			context().executors().writers().execute(() -> end(CloseReason.SLOW_CLIENT));
		}
	}

	/** Bytes written to the returned emitter by the application: queued like events. */
	@Override
	boolean deliver(EncodedEvent encoded) {
		if (isClosed()) {
			return false;
		}
		enqueue(encoded);
		return true;
	}

	// ---- life ----

	@Override
	StreamWriter writerForOpen() {
		return this.queue;
	}

	@Override
	void opened() {
		// The writer drains the replay as soon as the container says the socket takes
		// data.
	}

	@Override
	void ending(CloseReason reason) {
		SseBroker.@Nullable Subscription s = this.subscription;
		if (s != null) {
			s.close();
		}
	}

	// ---- SseStreamInfo ----

	@Override
	public StreamMode mode() {
		return StreamMode.TOPIC;
	}

	@Override
	public List<String> topics() {
		return this.topics;
	}

}
