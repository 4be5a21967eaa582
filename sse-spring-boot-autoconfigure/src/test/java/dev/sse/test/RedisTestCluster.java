package dev.sse.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis Cluster for tests: three masters, each with a replica, made of the
 * redis-server processes the {@code embedded-redis} test dependency brings, joined with
 * {@code CLUSTER MEET}, {@code ADDSLOTS} and {@code REPLICATE} (no redis-cli needed). The
 * masters own equal thirds of the slots. A master can be stopped: its replica takes over
 * after the node timeout (one second).
 */
public final class RedisTestCluster implements AutoCloseable {

	private static final int SLOTS = 16384;

	private final List<RedisTestServer> masters = new ArrayList<>();

	private final List<RedisTestServer> replicas = new ArrayList<>();

	private RedisTestCluster() {
	}

	/**
	 * Starts the six servers and waits until the cluster is whole.
	 * @return the cluster
	 */
	public static RedisTestCluster start() {
		RedisTestCluster cluster = new RedisTestCluster();
		try {
			for (int i = 0; i < 6; i++) {
				int port = freePortWithFreeBus();
				RedisTestServer server = RedisTestServer.startOn(port, "cluster-enabled yes",
						"cluster-config-file nodes-" + port + ".conf", "cluster-node-timeout 1000", "save \"\"",
						"cluster-require-full-coverage no");
				((i < 3) ? cluster.masters : cluster.replicas).add(server);
			}
			cluster.join();
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	private void join() {
		List<RedisTestServer> all = new ArrayList<>(this.masters);
		all.addAll(this.replicas);
		for (int m = 0; m < 3; m++) {
			int from = m * SLOTS / 3;
			int to = (m + 1) * SLOTS / 3;
			int[] slots = new int[to - from];
			for (int s = from; s < to; s++) {
				slots[s - from] = s;
			}
			run(this.masters.get(m), (c) -> c.clusterAddSlots(slots));
		}
		for (RedisTestServer server : all.subList(1, all.size())) {
			run(server, (c) -> c.clusterMeet("127.0.0.1", this.masters.get(0).port()));
		}
		await().atMost(Duration.ofSeconds(30))
			.until(() -> all.stream().allMatch((s) -> call(s, (c) -> c.clusterNodes().lines().count()) == 6));
		for (int r = 0; r < 3; r++) {
			int index = r;
			String master = call(this.masters.get(r), RedisCommands::clusterMyId);
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
				run(this.replicas.get(index), (c) -> c.clusterReplicate(master));
				return true;
			});
		}
		await().atMost(Duration.ofSeconds(60))
			.until(() -> all.stream().allMatch((s) -> call(s, (c) -> c.clusterInfo().contains("cluster_state:ok")))
					&& this.replicas.stream()
						.allMatch((s) -> call(s, (c) -> c.info("replication").contains("master_link_status:up"))));
	}

	/** A Lettuce factory to the cluster that follows failovers (adaptive refresh). */
	public LettuceConnectionFactory connectionFactory() {
		ClusterTopologyRefreshOptions refresh = ClusterTopologyRefreshOptions.builder()
			.enableAllAdaptiveRefreshTriggers()
			.enablePeriodicRefresh(Duration.ofSeconds(1))
			.build();
		return started(LettuceClientConfiguration.builder()
			.clientOptions(ClusterClientOptions.builder().topologyRefreshOptions(refresh).build())
			.build());
	}

	/**
	 * A Lettuce factory as an application may make it: no topology refresh of its own, so
	 * only the broker's asking follows a failover.
	 */
	public LettuceConnectionFactory connectionFactoryWithoutRefresh() {
		return started(LettuceClientConfiguration.defaultConfiguration());
	}

	private LettuceConnectionFactory started(LettuceClientConfiguration client) {
		RedisClusterConfiguration configuration = new RedisClusterConfiguration(
				this.masters.stream().map((s) -> "127.0.0.1:" + s.port()).toList());
		LettuceConnectionFactory factory = new LettuceConnectionFactory(configuration, client);
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	public List<RedisTestServer> masters() {
		return List.copyOf(this.masters);
	}

	/** The master serving a slot (as the cluster was made). */
	public RedisTestServer masterOf(int slot) {
		return this.masters.get(slot * 3 / SLOTS);
	}

	/** That master's replica. */
	public RedisTestServer replicaOf(RedisTestServer master) {
		return this.replicas.get(this.masters.indexOf(master));
	}

	/** {@code INFO commandstats} of a server: command name to calls. */
	public static Map<String, Long> commandCalls(RedisTestServer server) {
		Map<String, Long> calls = new java.util.TreeMap<>();
		for (String line : call(server, (c) -> c.info("commandstats")).split("\\r?\\n")) {
			if (line.startsWith("cmdstat_")) {
				String name = line.substring(8, line.indexOf(':'));
				String value = line.substring(line.indexOf("calls=") + 6);
				calls.put(name, Long.parseLong(value.substring(0, value.indexOf(','))));
			}
		}
		return calls;
	}

	/** Runs commands on one server. */
	public static <T> T call(RedisTestServer server,
			java.util.function.Function<RedisCommands<String, String>, T> commands) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return commands.apply(connection.sync());
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	private static void run(RedisTestServer server,
			java.util.function.Consumer<RedisCommands<String, String>> commands) {
		call(server, (c) -> {
			commands.accept(c);
			return null;
		});
	}

	private static int freePortWithFreeBus() {
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
			if (free(port) && free(port + 10_000)) {
				return port;
			}
		}
		throw new IllegalStateException("No free port p with p + 10000 free");
	}

	private static boolean free(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		for (RedisTestServer server : this.replicas) {
			stopQuietly(server);
		}
		for (RedisTestServer server : this.masters) {
			stopQuietly(server);
		}
	}

	private static void stopQuietly(RedisTestServer server) {
		try {
			server.stop();
		}
		catch (RuntimeException ex) {
			// already stopped (a failover test)
		}
	}

}
