package dev.sse.bench;

import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * bench/redis.sh's table: the same scenarios against two instances on one Redis and two
 * on a three-master Redis Cluster, measured by one driver in one run.
 */
final class RedisScenarios {

	private final LoadDriver driver;

	RedisScenarios(LoadDriver driver) {
		this.driver = driver;
	}

	/** args: out, single ports "a,b", cluster ports "a,b". */
	void run(Path out, int[] single, int[] cluster) throws Exception {
		StringBuilder md = new StringBuilder(
				"| scenario | 2 instances, one Redis | 2 instances, 3-master cluster |\n" + "|---|---|---|\n");
		// Warm-up, not reported.
		publishRate(single[0], 2_000, 1);
		publishRate(cluster[0], 2_000, 1);
		publishRate(single[0], 6_400, 64);
		publishRate(cluster[0], 6_400, 64);
		long[] one = { publishRate(single[0], 10_000, 1), publishRate(cluster[0], 10_000, 1) };
		long[] many = { publishRate(single[0], 64_000, 64), publishRate(cluster[0], 64_000, 64) };
		row(md, "publications/s through one instance, 1 publisher", String.format(Locale.ROOT, "%,d/s", one[0]),
				String.format(Locale.ROOT, "%,d/s", one[1]));
		row(md, "publications/s through one instance, 64 publishers (64 topics)",
				String.format(Locale.ROOT, "%,d/s (%.1fx)", many[0], (double) many[0] / one[0]),
				String.format(Locale.ROOT, "%,d/s (%.1fx)", many[1], (double) many[1] / one[1]));
		if ("publish".equals(System.getenv("SSE_BENCH_ONLY"))) {
			Files.writeString(out, md.toString());
			return;
		}
		row(md, "fan-out, 1 topic: 1,000 subscribers over both instances, 10 events/s for 10 s", oneTopic(single),
				oneTopic(cluster));
		row(md, "fan-out, 1,000 topics: a subscriber each, 10 events/s per topic for 10 s", thousandTopics(single),
				thousandTopics(cluster));
		row(md, "resume on the other instance from the oldest of 10,000 events of 1 KiB (10 MiB)",
				resume(single, 10_000, 1024, "deep-small"), resume(cluster, 10_000, 1024, "deep-small"));
		row(md, "resume on the other instance from the oldest of 300 events of 1 MiB (past the 16 MiB buffer)",
				resume(single, 300, 1 << 20, "deep-large"), resume(cluster, 300, 1 << 20, "deep-large"));
		System.out.println(md);
		Files.writeString(out, md.toString());
	}

	private static void row(StringBuilder md, String title, String single, String cluster) {
		String line = "| " + title + " | " + single + " | " + cluster + " |\n";
		System.out.print(line);
		md.append(line);
	}

	private long publishRate(int port, int n, int threads) throws Exception {
		String json = this.driver.at(port,
				() -> this.driver.post("/starter/publish-many?n=" + n + "&threads=" + threads));
		return Long.parseLong(LoadDriver.number(json, "perSecond"));
	}

	private String oneTopic(int[] ports) throws Exception {
		return this.driver.spread(ports, 1_000, 100, (i) -> "/starter/topic?topic=fan-0",
				"/starter/broadcast-topics?ticks=100&intervalMillis=100&topics=1");
	}

	private String thousandTopics(int[] ports) throws Exception {
		return this.driver.spread(ports, 1_000, 100, (i) -> "/starter/topic?topic=fan-" + i,
				"/starter/broadcast-topics?ticks=100&intervalMillis=100&topics=1000");
	}

	/**
	 * Publishes a history through the first instance, then one client resumes from its
	 * oldest event on the second: how long until it has all of it (or its reset).
	 */
	private String resume(int[] ports, int n, int size, String topic) throws Exception {
		String first = LoadDriver.number(
				this.driver.at(ports[0],
						() -> this.driver.post("/starter/history?n=" + n + "&size=" + size + "&topic=" + topic)),
				"first");
		return this.driver.at(ports[1], () -> {
			try (Selector selector = Selector.open()) {
				long start = System.nanoTime();
				long startMillis = System.currentTimeMillis();
				LoadDriver.Conn conn = this.driver.open(selector, "/starter/topic?topic=" + topic,
						"Last-Event-ID: " + first.replace("\"", "") + "\r\n");
				long expected = n - 1;
				LoadDriver.pump(selector, List.of(conn), Duration.ofSeconds(120), (c) -> c.dataLines >= expected
						|| c.ended || (c.dataLines == 1 && System.nanoTime() - start > 2_000_000_000L));
				long millis = (System.nanoTime() - start) / 1_000_000;
				long lines = conn.dataLines;
				conn.channel.close();
				return (lines >= expected) ? String.format(Locale.ROOT, "%,d events in %,d ms", lines, millis) : String
					.format(Locale.ROOT, "sse-reset after %,d ms (%d event)", conn.lastDataAt - startMillis, lines);
			}
		});
	}

}
