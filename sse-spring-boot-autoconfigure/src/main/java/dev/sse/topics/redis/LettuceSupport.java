package dev.sse.topics.redis;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.event.connection.ConnectionEvent;
import io.lettuce.core.event.connection.ReconnectAttemptEvent;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.resource.ClientResources;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * What the Redis broker does through Lettuce itself, where Spring Data Redis's blocking
 * API cannot bound a wait: hears from Lettuce's event bus that a connection was lost (it
 * announces each reconnect attempt; a connection the application closes on purpose is not
 * reconnected, so it raises no such event; the broker then checks its own Redis with a
 * PING, as the event may concern another Redis of the application), and runs a
 * publication with a deadline of its own (Lettuce holds a command sent while it
 * reconnects until its command timeout, 60 s by default). Only touched when Lettuce is on
 * the class path.
 */
final class LettuceSupport {

	private LettuceSupport() {
	}

	static boolean isPresent() {
		ClassLoader loader = LettuceSupport.class.getClassLoader();
		return ClassUtils.isPresent("io.lettuce.core.event.EventBus", loader)
				&& ClassUtils.isPresent("reactor.core.Disposable", loader);
	}

	/**
	 * Watches the factory's connections.
	 * @param factory the application's connection factory
	 * @param lost told what was lost, on a Lettuce thread (must not block)
	 * @return what stops watching, or {@code null} when the factory is not Lettuce's
	 */
	static @Nullable AutoCloseable watch(RedisConnectionFactory factory, Consumer<String> lost) {
		if (!(factory instanceof LettuceConnectionFactory lettuce)) {
			return null;
		}
		ClientResources resources = lettuce.getClientResources();
		if (resources == null) {
			return null;
		}
		Disposable subscription = resources.eventBus()
			.get()
			.filter((event) -> event instanceof ReconnectAttemptEvent || event instanceof ReconnectFailedEvent)
			.subscribe((event) -> lost.accept(describe((ConnectionEvent) event)));
		return subscription::dispose;
	}

	/**
	 * Runs a script by SHA1 (by text when Redis does not have it), waiting at most
	 * {@code timeout}.
	 * @param connection a connection of the factory
	 * @return the reply, or {@code NOT_LETTUCE} when the connection is not Lettuce's
	 * @throws TimeoutException when no reply came in time (the command may still run
	 * later)
	 */
	static @Nullable Object evalWithin(RedisConnection connection, String script, String sha, boolean multi,
			byte[][] keys, byte[][] args, Duration timeout) throws TimeoutException {
		if (!(connection.getNativeConnection() instanceof RedisClusterAsyncCommands<?, ?> nativeCommands)) {
			return NOT_LETTUCE;
		}
		@SuppressWarnings("unchecked")
		RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) nativeCommands;
		long deadline = System.nanoTime() + timeout.toNanos();
		ScriptOutputType type = multi ? ScriptOutputType.MULTI : ScriptOutputType.VALUE;
		try {
			return await(commands.evalsha(sha, type, keys, args), deadline);
		}
		catch (ExecutionException ex) {
			if (!String.valueOf(ex.getCause()).contains("NOSCRIPT")) {
				throw failed(ex);
			}
		}
		try {
			return await(commands.eval(script, type, keys, args), deadline);
		}
		catch (ExecutionException ex) {
			throw failed(ex);
		}
	}

	static final Object NOT_LETTUCE = new Object();

	/**
	 * Whether Redis answers a PING on this connection within {@code timeout}.
	 * @param connection a connection of the factory
	 * @return {@code true} when it answered, {@code null} when the connection is not
	 * Lettuce's
	 */
	static @Nullable Boolean pingWithin(RedisConnection connection, Duration timeout) {
		if (!(connection.getNativeConnection() instanceof RedisClusterAsyncCommands<?, ?> commands)) {
			return null;
		}
		try {
			commands.ping().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			return false;
		}
	}

	private static Object await(RedisFuture<Object> future, long deadline) throws ExecutionException, TimeoutException {
		try {
			return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while publishing through Redis", ex);
		}
	}

	private static RuntimeException failed(ExecutionException ex) {
		Throwable cause = ex.getCause();
		return (cause instanceof RuntimeException runtime) ? runtime : new IllegalStateException(cause);
	}

	private static String describe(ConnectionEvent event) {
		String what = (event instanceof ReconnectFailedEvent failed && failed.getCause() != null)
				? failed.getCause().toString() : "reconnecting";
		return what + " (" + event.remoteAddress() + ")";
	}

}
