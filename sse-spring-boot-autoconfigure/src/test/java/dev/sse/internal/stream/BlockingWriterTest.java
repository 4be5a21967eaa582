package dev.sse.internal.stream;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.sse.internal.wire.EncodedEvent;
import dev.sse.internal.wire.SseEncoder;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blocking writer of sync streams, against an output stream that blocks like a client
 * that stopped reading.
 */
class BlockingWriterTest {

	@Test
	void theShutdownHintNeverWaitsBehindAStuckWrite() throws Exception {
		CountDownLatch stuck = new CountDownLatch(1);
		CountDownLatch unstick = new CountDownLatch(1);
		ServletOutputStream out = new ServletOutputStream() {
			@Override
			public boolean isReady() {
				return true;
			}

			@Override
			public void setWriteListener(WriteListener listener) {
			}

			@Override
			public void write(int b) {
			}

			@Override
			public void write(byte[] b, int offset, int length) {
				stuck.countDown();
				try {
					unstick.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		};
		ExecutorService blockingIo = Executors.newCachedThreadPool();
		try {
			BlockingWriter writer = new BlockingWriter(new StreamWriter.Owner() {
				@Override
				public void written(EncodedEvent event) {
				}

				@Override
				public void failed(Throwable failure) {
				}
			}, blockingIo);
			MockHttpServletRequest request = new MockHttpServletRequest();
			request.setAsyncSupported(true);
			request.startAsync();
			writer.start(request, new MockHttpServletResponse() {
				@Override
				public ServletOutputStream getOutputStream() {
					return out;
				}
			});
			SseEncoder encoder = new SseEncoder(64);
			// The sync callback's send, stuck on a client that reads nothing.
			Thread callback = new Thread(() -> writer.write(encoder.event(null, null, "x")));
			callback.start();
			assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
			// What ending a stream for shutdown does: the hint, then the end.
			CountDownLatch ended = new CountDownLatch(1);
			Thread shutdown = new Thread(() -> {
				writer.writeWithoutWaiting(encoder.retry(Duration.ofSeconds(1)));
				writer.end(true);
				ended.countDown();
			});
			shutdown.start();
			assertThat(ended.await(10, TimeUnit.SECONDS)).as("the end returned while the write was stuck").isTrue();
			unstick.countDown();
			callback.join(10_000);
		}
		finally {
			unstick.countDown();
			blockingIo.shutdownNow();
		}
	}

}
