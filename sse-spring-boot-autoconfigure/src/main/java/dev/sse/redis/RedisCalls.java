package dev.sse.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sse.spi.SseBrokerException;
import io.lettuce.core.cluster.RedisClusterClient;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.ReactiveRedisClusterConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.ByteBufferRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializationContext;

/**
 * Every Redis call of the broker, each with a deadline of its own, whatever timeout the
 * application's connection factory has (Lettuce's default is 60 s): through Spring Data
 * Redis's reactive API, which Lettuce's connection factory offers, and its
 * {@link RedisScript}s (by SHA1, by text when Redis does not have them yet). A call that
 * fails or misses its deadline throws an {@link SseBrokerException} saying which.
 * Thread-safe.
 */
final class RedisCalls {

	@SuppressWarnings("rawtypes")
	static final RedisScript<List> PUBLISH = script("publish", List.class);

	@SuppressWarnings("rawtypes")
	static final RedisScript<List> STATE = script("state", List.class);

	@SuppressWarnings("rawtypes")
	static final RedisScript<List> CHECK = script("check", List.class);

	@SuppressWarnings("rawtypes")
	static final RedisScript<List> PAGE = script("page", List.class);

	static final RedisScript<Long> PURGE = script("purge", Long.class);

	static final RedisScript<Long> TOUCH = script("touch", Long.class);

	private final ReactiveRedisConnectionFactory factory;

	private final ReactiveRedisTemplate<byte[], byte[]> template;

	private final Duration timeout;

	/**
	 * The deadlines of the calls no thread waits on: one daemon thread, which leaves when
	 * no call is out for a while (so nothing needs stopping).
	 */
	private final ScheduledThreadPoolExecutor deadlines;

	/** The cluster topology refresh last asked for (by the housekeeping thread only). */
	private @Nullable CompletableFuture<Void> topologyRefresh;

	RedisCalls(ReactiveRedisConnectionFactory factory, Duration timeout) {
		this.factory = factory;
		this.template = new ReactiveRedisTemplate<>(factory, RedisSerializationContext.byteArray());
		this.timeout = timeout;
		this.deadlines = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "sse-redis-deadlines");
			thread.setDaemon(true);
			return thread;
		});
		this.deadlines.setRemoveOnCancelPolicy(true);
		this.deadlines.setKeepAliveTime(10, TimeUnit.SECONDS);
		this.deadlines.allowCoreThreadTimeOut(true);
	}

	/**
	 * A script read once from its resource, after the helpers every script shares
	 * ({@code common.lua}): a script on a resource would check the resource for changes
	 * on every call (a jar lookup inside an application jar).
	 */
	private static <T> RedisScript<T> script(String name, Class<T> type) {
		return RedisScript.of(lua("common") + lua(name), type);
	}

	private static String lua(String name) {
		try (InputStream in = new ClassPathResource("dev/sse/redis/" + name + ".lua").getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The SSE broker's script " + name + ".lua cannot be read", ex);
		}
	}

	Duration timeout() {
		return this.timeout;
	}

	/** Runs a script within the deadline; {@code what} names the call in errors. */
	@SuppressWarnings("unchecked")
	<T> T run(RedisScript<T> script, List<byte[]> keys, List<byte[]> args, Duration deadline, String what) {
		Object reply = await(this.template.execute(script, keys, args).next(), deadline, what);
		if (reply == null) {
			throw new SseBrokerException("Redis gave no answer to " + what);
		}
		return (T) reply;
	}

	/**
	 * Runs a script without waiting. The result completes on a Lettuce thread, or at the
	 * deadline with an {@link SseBrokerException} (the call is cancelled then): a call
	 * that Lettuce holds for a node that is gone (a failed cluster master, until the
	 * factory's own timeout, 60 s by default) must not hold its caller's place.
	 */
	@SuppressWarnings("unchecked")
	CompletableFuture<List<Object>> runAsync(@SuppressWarnings("rawtypes") RedisScript<List> script, List<byte[]> keys,
			List<byte[]> args, Duration deadline, String what) {
		CompletableFuture<List<Object>> call;
		try {
			call = this.template.execute(script, keys, args).next().map((reply) -> (List<Object>) reply).toFuture();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		CompletableFuture<List<Object>> result = new CompletableFuture<>();
		ScheduledFuture<?> timer = this.deadlines.schedule(() -> {
			if (result.completeExceptionally(new SseBrokerException(
					"Redis did not answer " + what + " within " + deadline.toMillis() + " ms"))) {
				call.cancel(false);
			}
		}, deadline.toNanos(), TimeUnit.NANOSECONDS);
		call.whenComplete((reply, failure) -> {
			timer.cancel(false);
			if (failure != null) {
				result.completeExceptionally(failure);
			}
			else {
				result.complete(reply);
			}
		});
		return result;
	}

	<T> T run(RedisScript<T> script, List<byte[]> keys, List<byte[]> args, String what) {
		return run(script, keys, args, this.timeout, what);
	}

	/**
	 * A connection of its own, for a reader whose blocking reads must not hold others.
	 */
	ReactiveRedisConnection connection() {
		try {
			return this.factory.getReactiveConnection();
		}
		catch (RuntimeException ex) {
			throw new SseBrokerException("Cannot connect to Redis: " + message(ex), ex);
		}
	}

	/**
	 * Asks a Redis Cluster client to read the cluster's topology now, without waiting,
	 * and unless the last asking is still running. For a bucket that does not answer:
	 * Lettuce's own refresh (periodic, adaptive) was seen to stay "in progress" after a
	 * master died and keep sending that master's slots to it; a refresh asked for
	 * directly still runs. A refresh waits for every node, a hung one up to the factory's
	 * command timeout; past the broker's own, the next asking does not wait for it.
	 * Nothing for a factory that does not go to a cluster.
	 */
	void refreshClusterTopology() {
		if (this.factory instanceof LettuceConnectionFactory lettuce && lettuce.isClusterAware() && lettuce.isRunning()
				&& lettuce.getNativeClient() instanceof RedisClusterClient cluster) {
			CompletableFuture<Void> running = this.topologyRefresh;
			if (running == null || running.isDone()) {
				// With the broker's deadline: one started while a master hung waits for
				// it up
				// to the factory's timeout (60 s by default), and a new one, once the
				// master
				// is gone, takes milliseconds.
				this.topologyRefresh = cluster.refreshPartitionsAsync()
					.toCompletableFuture()
					.copy()
					.orTimeout(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
	}

	static void close(@Nullable ReactiveRedisConnection connection) {
		if (connection != null) {
			try {
				connection.closeLater().block(Duration.ofSeconds(1));
			}
			catch (RuntimeException ex) {
				// closing anyway
			}
		}
	}

	/** The entries of a stream after an id, waiting up to {@code block} for one. */
	List<ByteBufferRecord> readAfter(ReactiveRedisConnection connection, byte[] stream, long after, int count,
			Duration block) {
		StreamOffset<ByteBuffer> offset = StreamOffset.create(ByteBuffer.wrap(stream), ReadOffset.from(after + "-0"));
		List<ByteBufferRecord> records = await(connection.streamCommands()
			.xRead(StreamReadOptions.empty().count(count).block(block), offset)
			.collectList(), block.plus(this.timeout), "the feed's read");
		return (records != null) ? records : List.of();
	}

	/**
	 * Entries of several streams at once, one request each in one round trip; a stream
	 * that fails (a key of the wrong type) fails alone: its result is {@code null}.
	 */
	List<@Nullable List<ByteBufferRecord>> ranges(ReactiveRedisConnection connection, List<RangeRequest> requests) {
		List<Mono<List<ByteBufferRecord>>> calls = new ArrayList<>(requests.size());
		for (RangeRequest request : requests) {
			calls.add(connection.streamCommands()
				.xRange(ByteBuffer.wrap(request.stream()), Range.closed(request.from() + "-0", request.to() + "-0"),
						Limit.limit().count(request.count()))
				.collectList()
				.onErrorResume(RedisCalls::isWrongType, (ex) -> Mono.just(FAILED)));
		}
		List<List<ByteBufferRecord>> results = await(Flux.mergeSequential(calls).collectList(), this.timeout,
				"a read of the topics' history");
		List<@Nullable List<ByteBufferRecord>> out = new ArrayList<>(requests.size());
		for (List<ByteBufferRecord> result : (results != null) ? results : List.<List<ByteBufferRecord>>of()) {
			out.add((result == FAILED) ? null : result);
		}
		return out;
	}

	private static final List<ByteBufferRecord> FAILED = new ArrayList<>(0);

	/** Redis refused a command on a key of another type (only that key's topic fails). */
	static boolean isWrongType(Throwable ex) {
		String message = message(ex);
		return message.startsWith("WRONGTYPE") || message.startsWith("SSE_WRONGTYPE");
	}

	/**
	 * A read of entries {@code from..to} (ids, both included) of a stream, at most count.
	 */
	record RangeRequest(byte[] stream, long from, long to, int count) {
	}

	/** Scores of members of a sorted set, {@code null} for those it does not hold. */
	List<@Nullable Double> scores(byte[] key, List<byte[]> members) {
		List<ByteBuffer> values = members.stream().map(ByteBuffer::wrap).toList();
		ReactiveRedisConnection connection = connection();
		try {
			List<Double> scores = await(connection.zSetCommands().zMScore(ByteBuffer.wrap(key), values), this.timeout,
					"a read of the topics' last ids");
			return (scores != null) ? new ArrayList<>(scores) : List.of();
		}
		finally {
			close(connection);
		}
	}

	/** Members of a sorted set whose score is below a bound, at most count. */
	List<String> membersBelow(byte[] key, double bound, int count) {
		ReactiveRedisConnection connection = connection();
		try {
			List<ByteBuffer> members = await(connection.zSetCommands()
				.zRangeByScore(ByteBuffer.wrap(key), Range.rightOpen(Double.NEGATIVE_INFINITY, bound),
						Limit.limit().count(count))
				.collectList(), this.timeout, "a read of the idle topics");
			return (members != null) ? members.stream().map(RedisCalls::text).toList() : List.of();
		}
		finally {
			close(connection);
		}
	}

	/** Redis' clock, in microseconds. */
	long time(Duration deadline) {
		ReactiveRedisConnection connection = connection();
		try {
			Long micros = await(connection.serverCommands().time(TimeUnit.MICROSECONDS), deadline, "TIME");
			if (micros == null) {
				throw new SseBrokerException("Redis gave no answer to TIME");
			}
			return micros;
		}
		finally {
			close(connection);
		}
	}

	/** The version of every server that holds data: each master of a cluster. */
	List<String> versions() {
		ReactiveRedisConnection connection = connection();
		try {
			List<Properties> infos;
			if (connection instanceof ReactiveRedisClusterConnection cluster) {
				infos = await(cluster.clusterGetNodes()
					.filter(RedisClusterNode::isMaster)
					.flatMap((node) -> cluster.serverCommands().info(node, "server"))
					.collectList(), this.timeout, "INFO server");
			}
			else {
				infos = await(connection.serverCommands().info("server").map(List::of), this.timeout, "INFO server");
			}
			List<String> versions = new ArrayList<>();
			for (Properties info : (infos != null) ? infos : List.<Properties>of()) {
				versions.add(info.getProperty("redis_version", "unknown"));
			}
			return versions;
		}
		finally {
			close(connection);
		}
	}

	static <T> @Nullable T await(Mono<T> call, Duration deadline, String what) {
		try {
			// block(timeout), not timeout(): the timeout operator names itself by
			// reflection on every call.
			return call.block(deadline);
		}
		catch (RuntimeException ex) {
			Throwable cause = Exceptions.unwrap(ex);
			if (cause instanceof TimeoutException) {
				throw new SseBrokerException("Redis did not answer " + what + " within " + deadline.toMillis() + " ms");
			}
			if (cause instanceof InterruptedException) {
				Thread.currentThread().interrupt();
				throw new SseBrokerException("Interrupted while waiting for Redis (" + what + ")", cause);
			}
			throw new SseBrokerException(what + " failed in Redis: " + message(cause), cause);
		}
	}

	/** The innermost message: Redis' own words (SSE_WRONGTYPE ..., OOM ...). */
	static String message(Throwable ex) {
		Throwable inner = ex;
		while (inner.getCause() != null && inner.getCause() != inner) {
			inner = inner.getCause();
		}
		return String.valueOf(inner.getMessage());
	}

	static String text(ByteBuffer buffer) {
		return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
	}

	static String text(Object value) {
		if (value instanceof byte[] raw) {
			return new String(raw, StandardCharsets.UTF_8);
		}
		if (value instanceof ByteBuffer buffer) {
			return text(buffer);
		}
		return String.valueOf(value);
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	static byte[] bytes(long number) {
		return Long.toString(number).getBytes(StandardCharsets.US_ASCII);
	}

	/** A field of a stream entry as text, or {@code null}. */
	static @Nullable String field(Map<ByteBuffer, ByteBuffer> fields, ByteBuffer name) {
		ByteBuffer value = fields.get(name);
		return (value != null) ? text(value) : null;
	}

}
