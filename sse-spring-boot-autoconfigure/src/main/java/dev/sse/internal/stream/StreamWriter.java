package dev.sse.internal.stream;

import dev.sse.internal.wire.EncodedEvent;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * How a stream's bytes reach the socket once it is open. Two kinds:
 * {@link NonBlockingWriter} (Servlet non-blocking I/O, a queue, no thread held: topic
 * streams and async callbacks) and {@link BlockingWriter} (writes on the sending thread:
 * sync callbacks, which hold the request thread anyway). Neither ever blocks a
 * housekeeping thread. Internal.
 */
abstract sealed class StreamWriter permits NonBlockingWriter, BlockingWriter {

	/** Told what happened to the bytes. */
	interface Owner {

		/**
		 * An event or comment went to the container (and will be flushed).
		 * @param event what was written
		 */
		void written(EncodedEvent event);

		/**
		 * A write failed: the client is gone.
		 * @param failure why
		 */
		void failed(Throwable failure);

	}

	/**
	 * Whether to hand the container {@link java.nio.ByteBuffer}s rather than arrays.
	 * Jetty copies arrays into an aggregation buffer it takes from its pool at a
	 * response's first write and holds until the response ends (off the heap, for every
	 * open stream), and writes a {@code ByteBuffer} straight to the connection instead.
	 * Tomcat copies both into its own response buffer alike, so arrays stay the way
	 * there. Only Jetty's own stream: a wrapper (a filter's, Spring Security's) may turn
	 * a {@code ByteBuffer} into an array write that Jetty then aggregates and nothing
	 * flushes.
	 * @param out the response's output stream
	 * @return {@code true} for Jetty's own output stream
	 */
	static boolean writesBuffers(jakarta.servlet.ServletOutputStream out) {
		String type = out.getClass().getName();
		return type.equals("org.eclipse.jetty.ee11.servlet.HttpOutput")
				|| type.equals("org.eclipse.jetty.ee10.servlet.HttpOutput");
	}

	/**
	 * Writes bytes as {@link #writesBuffers} decided for the response.
	 * @param out the response's output stream
	 * @param bytes the bytes, never modified afterwards (Jetty may write them later)
	 * @param buffers whether to hand over a {@code ByteBuffer}
	 * @throws java.io.IOException if the write fails
	 */
	static void write(jakarta.servlet.ServletOutputStream out, byte[] bytes, boolean buffers)
			throws java.io.IOException {
		if (buffers) {
			out.write(java.nio.ByteBuffer.wrap(bytes));
		}
		else {
			out.write(bytes);
		}
	}

	/**
	 * The stream opened: the writer takes over the response. Runs on the request thread.
	 * @param request the request, in async mode
	 * @param response the response, committed with the headers and first bytes
	 * @throws java.io.IOException if the response cannot be written
	 */
	abstract void start(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException;

	/**
	 * Writes an event or queues it for writing.
	 * @param event the bytes
	 * @return {@code false} when the writer has ended and took nothing
	 */
	abstract boolean write(EncodedEvent event);

	/**
	 * Writes a keep-alive or probe comment if that can be done without waiting; never
	 * blocks.
	 * @param comment the bytes
	 */
	abstract void writeIdle(EncodedEvent comment);

	/**
	 * Writes the bytes now if no write is in progress, else drops them; never waits (the
	 * retry hint on shutdown, which must not wait behind a stuck client).
	 * @param bytes the bytes
	 */
	abstract void writeWithoutWaiting(EncodedEvent bytes);

	/**
	 * Since when the socket has taken nothing although bytes wait.
	 * @return {@link System#nanoTime()} when it stalled, or {@code 0} when it is not
	 * stalled
	 */
	abstract long stalledSinceNanos();

	/**
	 * The bytes waiting to be written.
	 * @return queued bytes, {@code 0} for a writer without a queue
	 */
	abstract long queuedBytes();

	/**
	 * Ends the response, without blocking the caller.
	 * @param graceful whether queued bytes go out first ({@code false}: they are dropped)
	 */
	abstract void end(boolean graceful);

	/** The container finished the request: never touch its objects again. */
	abstract void release();

	/**
	 * The container has not confirmed that the request it was asked to complete is
	 * complete: asks again, if the request is still the writer's. A client that resets
	 * its connection at the wrong moment can leave the container's async state where an
	 * earlier completion did not take.
	 * @return {@code true} while the request is still not known to be finished;
	 * {@code false} once the container has finished it (it may even have recycled it
	 * without telling)
	 */
	abstract boolean retryComplete();

	/**
	 * Completes the request, accepting that the container may be finishing it already
	 * (the client left meanwhile) or have just recycled it: Tomcat then throws
	 * {@code IllegalStateException} or, in a narrow window of its own,
	 * {@code NullPointerException}.
	 * @param asyncContext the request's async context
	 * @return whether the completion went through
	 */
	static boolean completeQuietly(AsyncContext asyncContext) {
		try {
			asyncContext.complete();
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/**
	 * Whether the container has recycled the request behind an async context (Tomcat then
	 * refuses any use of it).
	 * @param asyncContext the context
	 * @return {@code true} when it no longer belongs to a request
	 */
	static boolean isRecycled(AsyncContext asyncContext) {
		try {
			asyncContext.getRequest();
			return false;
		}
		catch (IllegalStateException ex) {
			return true;
		}
	}

	/**
	 * Whether the writer has completed the response or the container has finished it.
	 * @return {@code true} once done
	 */
	abstract boolean isDone();

}
