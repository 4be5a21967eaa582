package dev.sse.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A real redis-server for tests, on 127.0.0.1 and a free port: the binary that the
 * {@code embedded-redis} test dependency brings from Maven Central, started and stopped
 * as a process, so a test can stop Redis and start it again (with its data, saved on
 * stop).
 */
public final class RedisTestServer implements AutoCloseable {

	private final int port;

	private final Path dir;

	private final String[] settings;

	private RedisServer server;

	/** The process id, read from the server when a signal is first sent. */
	private long pid;

	private RedisTestServer(int port, Path dir, String... settings) {
		this.port = port;
		this.dir = dir;
		this.settings = settings;
	}

	/**
	 * Starts a server.
	 * @return the running server
	 */
	public static RedisTestServer start() {
		return start(new String[0]);
	}

	/**
	 * Starts a server with settings of its own (as in redis.conf, one per string, after
	 * the defaults: {@code "maxmemory 8mb"}, {@code "save \"\""}).
	 * @param settings the settings
	 * @return the running server
	 */
	public static RedisTestServer start(String... settings) {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return startOn(port, settings);
	}

	/**
	 * Starts a server on a port of the caller's choosing.
	 * @param port the port
	 * @param settings as for {@link #start(String...)}
	 * @return the running server
	 */
	public static RedisTestServer startOn(int port, String... settings) {
		try {
			RedisTestServer server = new RedisTestServer(port, Files.createTempDirectory("sse-redis"), settings);
			server.startAgain();
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Starts the server again after {@link #stop()}, with the data it saved. */
	public void startAgain() {
		try {
			var builder = RedisServer.newRedisServer()
				.bind("127.0.0.1")
				.port(this.port)
				.setting("dir " + this.dir)
				.setting("save 3600 1")
				.setting("appendonly no")
				.setting("daemonize no");
			for (String setting : this.settings) {
				builder.setting(setting);
			}
			this.pid = 0;
			this.server = builder.build();
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Stops the process (it saves its data first, as a redis-server does on shutdown).
	 */
	public void stop() {
		try {
			this.server.stop();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Freezes the process (SIGSTOP): its connections stay open and nothing is answered,
	 * as a host that hangs.
	 */
	public void freeze() {
		signal("STOP");
	}

	/** Kills the process at once (SIGKILL, frozen or not): a crash, nothing saved. */
	public void crash() {
		signal("KILL");
	}

	private void signal(String name) {
		try {
			if (this.pid == 0) {
				this.pid = Long.parseLong(RedisTestCluster.call(this, (c) -> c.info("server"))
					.lines()
					.filter((line) -> line.startsWith("process_id:"))
					.findFirst()
					.orElseThrow()
					.substring("process_id:".length())
					.trim());
			}
			Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(this.pid)).inheritIO().start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill -" + name + " " + this.pid + " failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public int port() {
		return this.port;
	}

	/**
	 * A Lettuce connection factory to this server, started.
	 * @return the factory; destroy it when done
	 */
	public LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", this.port));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	@Override
	public void close() {
		stop();
	}

}
