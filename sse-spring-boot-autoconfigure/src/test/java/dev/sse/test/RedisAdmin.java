package dev.sse.test;

import java.util.List;
import java.util.Properties;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * Commands a test gives Redis directly, beside the broker: what it holds, how much work
 * it did ({@code INFO}), its slow log, a key of its own.
 */
public final class RedisAdmin implements AutoCloseable {

	private final RedisClient client;

	private final StatefulRedisConnection<String, String> connection;

	private RedisAdmin(int port) {
		this.client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		this.connection = this.client.connect();
	}

	public static RedisAdmin on(int port) {
		return new RedisAdmin(port);
	}

	public RedisCommands<String, String> commands() {
		return this.connection.sync();
	}

	/** One section of INFO, as properties. */
	public Properties info(String section) {
		Properties properties = new Properties();
		for (String line : commands().info(section).split("\r?\n")) {
			int colon = line.indexOf(':');
			if (colon > 0 && !line.startsWith("#")) {
				properties.setProperty(line.substring(0, colon), line.substring(colon + 1));
			}
		}
		return properties;
	}

	/** Commands Redis processed since it started (this client's own included). */
	public long commandsProcessed() {
		return Long.parseLong(info("stats").getProperty("total_commands_processed"));
	}

	/** Bytes Redis read from its clients since it started. */
	public long bytesReceived() {
		return Long.parseLong(info("stats").getProperty("total_net_input_bytes"));
	}

	/** The slow log's entries: {id, time, microseconds, [command, args...], ...}. */
	@SuppressWarnings("unchecked")
	public List<List<Object>> slowlog() {
		return (List<List<Object>>) (List<?>) commands().slowlogGet(128);
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown();
	}

}
