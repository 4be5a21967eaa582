package dev.sse.spi;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The operator's view of the open streams: what the Actuator endpoint, the meters and the
 * shutdown use, implemented by the auto-configured service. Inject it to list or evict
 * streams; do not implement it (the starter does not back off for it). The shutdown stops
 * it through its {@link org.springframework.context.Lifecycle}.
 */
public interface SseStreams {

	/**
	 * The number of open streams.
	 * @return how many streams are open now
	 */
	int openStreams();

	/**
	 * The open streams.
	 * @return a snapshot, in no particular order
	 */
	List<SseStreamInfo> streams();

	/**
	 * One open stream.
	 * @param id its id
	 * @return the stream, or {@code null} if no open stream has that id
	 */
	@Nullable SseStreamInfo stream(String id);

	/**
	 * Closes an open stream (reason {@code evicted}); its callback is interrupted.
	 * @param id its id
	 * @return whether a stream with that id was open
	 */
	boolean evict(String id);

	/**
	 * Callbacks running now: sync ones hold a request thread each, async ones a thread of
	 * the {@code sseTaskExecutor}.
	 * @param async which
	 * @return how many
	 */
	int runningCallbacks(boolean async);

	/**
	 * The bytes waiting to be written to the clients of all open streams.
	 * @return the sum
	 */
	long queuedBytes();

	/**
	 * The broker behind topics.
	 * @return the broker
	 */
	SseBroker broker();

}
