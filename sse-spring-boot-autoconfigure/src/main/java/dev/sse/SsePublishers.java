package dev.sse;

import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Streams a Reactive Streams {@link Publisher} (a Reactor {@code Flux}, Spring AI's token
 * streams, an R2DBC result) into an {@link SseStream}. Needs {@code org.reactivestreams}
 * on the class path (Reactor brings it).
 *
 * <pre>{@code
 * return sse.stream(SseOptions.defaults().async(true),
 *         stream -> SsePublishers.forward(chatClient.prompt(prompt).stream().content(), stream, "token"));
 * }</pre>
 */
public final class SsePublishers {

	private SsePublishers() {
	}

	/**
	 * Sends every element the publisher emits as an event, in order, each as
	 * {@link SseStream#send(Object, String)} would. Back-pressure: the next element is
	 * requested only once the stream has accepted the last one, and a send waits while a
	 * slow client's buffer is full, so the client's pace is the source's pace.
	 * Cancellation: when the stream ends first (the client left, the timeout, shutdown),
	 * the subscription is cancelled. Blocks the calling thread (run it from an async
	 * callback) until the publisher completes, fails, or the stream ends.
	 * @param source the elements
	 * @param stream where they go
	 * @param event the event name of each, or {@code null} for unnamed events
	 * @return {@code true} when the publisher completed, {@code false} when the stream
	 * ended first
	 * @throws Exception what the publisher signalled as its error
	 */
	public static boolean forward(Publisher<?> source, SseStream stream, @Nullable String event) throws Exception {
		Objects.requireNonNull(source, "source must not be null");
		Objects.requireNonNull(stream, "stream must not be null");
		Forwarder forwarder = new Forwarder();
		stream.onClose(forwarder::cancel);
		source.subscribe(forwarder);
		try {
			while (true) {
				Object signal = forwarder.signals.take();
				if (signal == Forwarder.COMPLETE) {
					return true;
				}
				if (signal == Forwarder.CANCELLED) {
					return false;
				}
				if (signal instanceof Forwarder.Failure failure) {
					throw asException(failure.error());
				}
				if (!stream.send(((Forwarder.Element) signal).value(), event)) {
					forwarder.cancel();
					return false;
				}
				forwarder.requestNext();
			}
		}
		catch (InterruptedException ex) {
			// The stream ended (its end interrupts the callback) or the caller was
			// interrupted.
			forwarder.cancel();
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static Exception asException(Throwable error) {
		if (error instanceof Exception exception) {
			return exception;
		}
		if (error instanceof Error fatal) {
			throw fatal;
		}
		return new IllegalStateException(error);
	}

	/** Hands the publisher's signals to the sending thread, one element at a time. */
	private static final class Forwarder implements Subscriber<Object> {

		static final Object COMPLETE = new Object();

		static final Object CANCELLED = new Object();

		record Element(@Nullable Object value) {
		}

		record Failure(Throwable error) {
		}

		final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();

		private final AtomicReference<@Nullable Subscription> subscription = new AtomicReference<>();

		private volatile boolean cancelled;

		@Override
		public void onSubscribe(Subscription s) {
			if (this.cancelled || !this.subscription.compareAndSet(null, s)) {
				s.cancel();
				return;
			}
			s.request(1);
		}

		@Override
		public void onNext(Object item) {
			this.signals.add(new Element(item));
		}

		@Override
		public void onError(Throwable error) {
			this.signals.add(new Failure(error));
		}

		@Override
		public void onComplete() {
			this.signals.add(COMPLETE);
		}

		void requestNext() {
			Subscription s = this.subscription.get();
			if (s != null && !this.cancelled) {
				s.request(1);
			}
		}

		void cancel() {
			if (this.cancelled) {
				return;
			}
			this.cancelled = true;
			Subscription s = this.subscription.get();
			if (s != null) {
				s.cancel();
			}
			this.signals.add(CANCELLED);
		}

	}

}
