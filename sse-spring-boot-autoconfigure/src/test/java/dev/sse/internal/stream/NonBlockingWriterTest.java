package dev.sse.internal.stream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sse.internal.wire.EncodedEvent;
import dev.sse.internal.wire.SseEncoder;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The non-blocking writer's state machine, against an output stream whose readiness the
 * test controls the way a container does: {@code isReady()} may turn false after any
 * write or flush, and then the container calls {@code onWritePossible} once, later.
 */
class NonBlockingWriterTest {

	private final SseEncoder encoder = new SseEncoder(64);

	/** Runs drains when the test says, so nothing happens behind its back. */
	private final List<Runnable> scheduled = new ArrayList<>();

	private final AtomicInteger drainsScheduled = new AtomicInteger();

	private final List<EncodedEvent> written = new ArrayList<>();

	private final List<Throwable> failures = new ArrayList<>();

	private final FakeContainerStream out = new FakeContainerStream();

	private final NonBlockingWriter writer = new NonBlockingWriter(new StreamWriter.Owner() {
		@Override
		public void written(EncodedEvent event) {
			NonBlockingWriterTest.this.written.add(event);
		}

		@Override
		public void failed(Throwable failure) {
			NonBlockingWriterTest.this.failures.add(failure);
		}
	}, (task) -> {
		this.drainsScheduled.incrementAndGet();
		this.scheduled.add(task);
	});

	/**
	 * A container's output stream: written bytes wait in its buffer until a flush; a
	 * flush the socket cannot take whole leaves them pending, and the container sends
	 * those itself once the socket drains, before it calls {@code onWritePossible}.
	 */
	static final class FakeContainerStream extends ServletOutputStream {

		final ByteArrayOutputStream flushed = new ByteArrayOutputStream();

		final ByteArrayOutputStream buffered = new ByteArrayOutputStream();

		final ByteArrayOutputStream pending = new ByteArrayOutputStream();

		/** Answers of isReady(), consumed in order; true once exhausted. */
		final List<Boolean> readiness = new ArrayList<>();

		/**
		 * A flush that leaves its bytes with the container (written later, before
		 * onWritePossible).
		 */
		boolean nextFlushIsPartial;

		boolean notReady;

		WriteListener listener;

		/** The container calls onWritePossible only after isReady() has said no. */
		boolean registered;

		@Override
		public boolean isReady() {
			if (this.notReady) {
				this.registered = true;
				return false;
			}
			if (!this.readiness.isEmpty() && !this.readiness.remove(0)) {
				this.notReady = true;
				this.registered = true;
				return false;
			}
			return true;
		}

		@Override
		public void setWriteListener(WriteListener listener) {
			this.listener = listener;
		}

		@Override
		public void write(int b) {
			assertThat(this.notReady).as("write while not ready").isFalse();
			this.buffered.write(b);
		}

		@Override
		public void write(byte[] b, int off, int len) {
			assertThat(this.notReady).as("write while not ready").isFalse();
			this.buffered.write(b, off, len);
		}

		@Override
		public void flush() {
			assertThat(this.notReady).as("flush while not ready").isFalse();
			if (this.nextFlushIsPartial) {
				this.nextFlushIsPartial = false;
				this.notReady = true;
				this.pending.writeBytes(this.buffered.toByteArray());
			}
			else {
				this.flushed.writeBytes(this.buffered.toByteArray());
			}
			this.buffered.reset();
		}

		/**
		 * The socket drained. A container that was told "not ready" writes what it held
		 * and calls the listener back; one that was never asked knows of no one waiting,
		 * and does nothing.
		 */
		void becomeWritable() throws IOException {
			if (this.listener != null && this.registered) {
				this.registered = false;
				this.notReady = false;
				this.flushed.writeBytes(this.pending.toByteArray());
				this.pending.reset();
				this.listener.onWritePossible();
			}
		}

		/** The first call: setWriteListener promises one onWritePossible. */
		void firstCallback() throws IOException {
			this.registered = true;
			becomeWritable();
		}

		String delivered() {
			return this.flushed.toString(StandardCharsets.UTF_8);
		}

	}

	private void start() throws IOException {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setAsyncSupported(true);
		AsyncContext context = request.startAsync();
		MockHttpServletResponse response = new MockHttpServletResponse() {
			@Override
			public ServletOutputStream getOutputStream() {
				return NonBlockingWriterTest.this.out;
			}
		};
		this.writer.start(request, response);
		assertThat(context).isNotNull();
	}

	private void runScheduled() {
		while (!this.scheduled.isEmpty()) {
			this.scheduled.remove(0).run();
		}
	}

	private EncodedEvent event(String data) {
		return this.encoder.event(null, null, data);
	}

	@Test
	void nothingIsWrittenBeforeTheContainerSaysTheSocketTakesData() throws IOException {
		this.writer.write(event("early"));
		start();
		runScheduled();
		assertThat(this.out.delivered()).isEmpty();
		assertThat(this.drainsScheduled).hasValue(0);
		this.out.firstCallback();
		assertThat(this.out.delivered()).isEqualTo("data: early\n\n");
	}

	@Test
	void theLastEventIsFlushedWhenTheSocketBlockedRightAfterItWasWritten() throws IOException {
		start();
		this.out.firstCallback();
		// Ready for the write, then not ready when asked before the flush.
		this.out.readiness.addAll(List.of(true, false));
		this.writer.write(event("last"));
		runScheduled();
		assertThat(this.out.delivered()).isEmpty();
		// No other event is ever published: the container's callback alone must flush it.
		this.out.becomeWritable();
		assertThat(this.out.delivered()).isEqualTo("data: last\n\n");
		assertThat(this.writer.stalledSinceNanos()).isZero();
	}

	@Test
	void aFlushThatLeavesBytesBehindWaitsForTheContainer() throws IOException {
		start();
		this.out.firstCallback();
		this.out.nextFlushIsPartial = true;
		this.writer.write(event("one"));
		runScheduled();
		assertThat(this.out.delivered()).isEmpty();
		// The writer asked isReady() after the flush, so the container knows to call
		// back; the stall clock runs.
		assertThat(this.writer.stalledSinceNanos()).isNotZero();
		this.out.becomeWritable();
		assertThat(this.out.delivered()).isEqualTo("data: one\n\n");
	}

	@Test
	void aBlockedSocketSchedulesNoDrainPerEventAndResumesWhereItStopped() throws IOException {
		start();
		this.out.firstCallback();
		String big = "x".repeat(300);
		// Blocks in the middle of the first event's pieces.
		this.out.readiness.addAll(List.of(true, true, false));
		this.writer.write(event(big));
		runScheduled();
		int scheduledWhileBlocked = this.drainsScheduled.get();
		for (int i = 0; i < 100; i++) {
			this.writer.write(event("e" + i));
		}
		assertThat(this.drainsScheduled).hasValue(scheduledWhileBlocked);
		this.out.becomeWritable();
		StringBuilder expected = new StringBuilder("data: " + big + "\n\n");
		for (int i = 0; i < 100; i++) {
			expected.append("data: e").append(i).append("\n\n");
		}
		assertThat(this.out.delivered()).isEqualTo(expected.toString());
		assertThat(this.written).hasSize(101);
		assertThat(this.writer.queuedBytes()).isZero();
	}

	@Test
	void randomReadinessNeverLosesOrReordersAByte() throws IOException {
		long seed = new Random().nextLong();
		Random random = new Random(seed);
		start();
		this.out.firstCallback();
		StringBuilder expected = new StringBuilder();
		for (int i = 0; i < 2_000; i++) {
			String data = i + ":" + "y".repeat(random.nextInt(200));
			expected.append("data: ").append(data).append("\n\n");
			for (int r = random.nextInt(4); r > 0; r--) {
				this.out.readiness.add(random.nextInt(3) > 0);
			}
			this.out.nextFlushIsPartial = random.nextInt(10) == 0;
			this.writer.write(event(data));
			if (random.nextBoolean()) {
				runScheduled();
				// Once a drain is over, a socket that took nothing more is one the
				// container will call back for.
				assertThat(!this.out.notReady || this.out.registered).as("seed " + seed).isTrue();
			}
			if (this.out.notReady && random.nextBoolean()) {
				this.out.becomeWritable();
			}
		}
		runScheduled();
		this.out.readiness.clear();
		while (this.out.notReady || this.writer.queuedBytes() > 0) {
			assertThat(this.out.registered)
				.as("seed " + seed + ": the socket blocked but the writer never asked "
						+ "isReady(), so the container will never call back")
				.isTrue();
			this.out.becomeWritable();
			runScheduled();
		}
		assertThat(this.out.delivered()).as("seed " + seed).isEqualTo(expected.toString());
		assertThat(this.failures).isEmpty();
	}

	@Test
	void aGracefulEndWritesWhatWasQueuedThenCompletesEvenWhenBlocked() throws IOException {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setAsyncSupported(true);
		request.startAsync();
		this.writer.start(request, new MockHttpServletResponse() {
			@Override
			public ServletOutputStream getOutputStream() {
				return NonBlockingWriterTest.this.out;
			}
		});
		this.out.firstCallback();
		this.out.readiness.add(false);
		this.writer.write(event("queued"));
		runScheduled();
		this.writer.end(true);
		runScheduled();
		assertThat(this.writer.isDone()).isFalse();
		assertThat(request.getAsyncContext()).isNotNull();
		this.out.becomeWritable();
		assertThat(this.out.delivered()).isEqualTo("data: queued\n\n");
		assertThat(this.writer.isDone()).isTrue();
		assertThat(request.isAsyncStarted()).isFalse();
	}

	@Test
	void anAbortDropsWhatWasQueuedAndCompletesAtOnce() throws IOException {
		start();
		this.writer.write(event("never"));
		this.writer.end(false);
		assertThat(this.writer.isDone()).isTrue();
		assertThat(this.writer.queuedBytes()).isZero();
		assertThat(this.writer.write(event("after"))).isFalse();
	}

	/**
	 * The container holds its own lock on the request while it calls back into the writer
	 * ({@code release()}, when the client leaves), and {@code complete()} takes that
	 * lock: so the writer must never complete while holding its own. Here
	 * {@code complete()} has another thread call {@code release()}, as the container
	 * would, and waits for it.
	 */
	@Test
	void theRequestIsNeverCompletedUnderTheWritersLock() throws Exception {
		List<Boolean> releaseBlocked = new ArrayList<>();
		MockHttpServletRequest request = new MockHttpServletRequest() {
			private org.springframework.mock.web.MockAsyncContext context;

			@Override
			public AsyncContext startAsync() {
				this.context = new org.springframework.mock.web.MockAsyncContext(this, null) {
					@Override
					public void complete() {
						Thread container = new Thread(NonBlockingWriterTest.this.writer::release);
						container.start();
						try {
							container.join(2000);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
						releaseBlocked.add(container.isAlive());
						super.complete();
					}
				};
				return this.context;
			}

			@Override
			public AsyncContext getAsyncContext() {
				return this.context;
			}
		};
		request.setAsyncSupported(true);
		request.startAsync();
		this.writer.start(request, new MockHttpServletResponse() {
			@Override
			public ServletOutputStream getOutputStream() {
				return NonBlockingWriterTest.this.out;
			}
		});
		this.writer.write(event("x"));
		this.writer.end(false);
		this.writer.retryComplete();
		assertThat(releaseBlocked).isNotEmpty().containsOnly(false);
	}

}
