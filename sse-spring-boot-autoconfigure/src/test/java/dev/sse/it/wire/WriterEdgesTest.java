package dev.sse.it.wire;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.StuckClient;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The non-blocking writer where the container's own write path matters: on Jetty it hands
 * Jetty's output stream {@code ByteBuffer}s (no aggregation buffer per stream), and must
 * still notice a stuck client after its last write, and fall back to arrays and flushes
 * behind a wrapper of the output stream.
 */
@WireTest
@SpringBootTest(classes = { TestApp.class, WriterEdgesTest.Endpoints.class },
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "sse.keep-alive-interval=0",
				"sse.disconnect-detection-interval=0", "sse.slow-client.stall-timeout=1s", "sse.chunk-size=64MB" })
class WriterEdgesTest extends ServerTestSupport {

	@Autowired
	DefaultSseService service;

	@RestController
	static class Endpoints {

		private final SseService sse;

		Endpoints(SseService sse) {
			this.sse = sse;
		}

		/**
		 * One event larger than any socket buffer, then nothing: no keep-alive, no probe.
		 */
		@GetMapping("/edges/large-then-silence")
		SseEmitter largeThenSilence() {
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
				stream.send("b".repeat(16 * 1024 * 1024));
				// Held until the stream ends (its callback is interrupted then).
				new CountDownLatch(1).await();
			});
		}

		@GetMapping("/edges/wrapped/one")
		SseEmitter one() {
			return this.sse.stream(SseOptions.defaults().async(true), (stream) -> {
				stream.send("one");
				new CountDownLatch(1).await();
			});
		}

		/**
		 * Wraps the output stream of {@code /edges/wrapped/*} responses: with Jetty's own
		 * wrapper where Jetty is on the class path (it turns a {@code ByteBuffer} into an
		 * array write), else a plain delegating one.
		 */
		@Bean
		OncePerRequestFilter outputStreamWrapper() {
			return new OncePerRequestFilter() {

				@Override
				protected boolean shouldNotFilter(HttpServletRequest request) {
					return !request.getRequestURI().startsWith("/edges/wrapped/");
				}

				@Override
				protected boolean shouldNotFilterAsyncDispatch() {
					return false;
				}

				@Override
				protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
						FilterChain chain) throws ServletException, IOException {
					chain.doFilter(request, new HttpServletResponseWrapper(response) {

						private ServletOutputStream wrapped;

						@Override
						public ServletOutputStream getOutputStream() throws IOException {
							if (this.wrapped == null) {
								this.wrapped = wrap(super.getOutputStream());
							}
							return this.wrapped;
						}

					});
				}

			};
		}

		static ServletOutputStream wrap(ServletOutputStream out) {
			try {
				return (ServletOutputStream) Class
					.forName("org.eclipse.jetty.ee11.servlet.util.ServletOutputStreamWrapper")
					.getConstructor(ServletOutputStream.class)
					.newInstance(out);
			}
			catch (ReflectiveOperationException | LinkageError ex) {
				return new ServletOutputStream() {

					@Override
					public void write(int b) throws IOException {
						out.write(b);
					}

					@Override
					public void write(byte[] b, int off, int len) throws IOException {
						out.write(b, off, len);
					}

					@Override
					public void flush() throws IOException {
						out.flush();
					}

					@Override
					public boolean isReady() {
						return out.isReady();
					}

					@Override
					public void setWriteListener(WriteListener listener) {
						out.setWriteListener(listener);
					}

				};
			}
		}

	}

	@Test
	void aClientStuckAfterTheLastWriteIsCutOffWithProbesOff() throws Exception {
		try (Socket stuck = StuckClient.open(this.port, "/edges/large-then-silence")) {
			await().atMost(WAIT).until(() -> open("/edges/large-then-silence") == 1);
			// Its socket stops taking the event part of the way; nothing is written after
			// that, so only the stall clock of that last write can end the stream.
			await().atMost(WAIT).until(() -> open("/edges/large-then-silence") == 0);
		}
	}

	@Test
	void eventsGoThroughAWrapperOfTheOutputStream() throws Exception {
		try (RawSseClient client = RawSseClient.get(this.port, "/edges/wrapped/one")) {
			assertThat(client.awaitBodyContaining("data: one\n\n", Duration.ofSeconds(5))).contains(": ok");
		}
		finally {
			// With probes off its leaving goes unnoticed: end it here.
			this.service.streams()
				.stream()
				.filter((stream) -> stream.route().contains("/edges/wrapped/"))
				.forEach((stream) -> this.service.evict(stream.id()));
		}
	}

	private long open(String route) {
		return this.service.streams().stream().filter((stream) -> stream.route().contains(route)).count();
	}

}
