package dev.sse.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives {@link BenchServer} from another process: many SSE connections on one NIO
 * selector, each decoding chunked HTTP and counting {@code data:} lines. Runs every
 * scenario against {@code /plain} and {@code /starter} in the same run and prints a
 * Markdown table.
 *
 * <p>
 * Usage: {@code LoadDriver <port> <results.md>}. Bounded in count and time; loopback
 * only.
 */
public final class LoadDriver {

	private int port;

	private final HttpClient http = HttpClient.newHttpClient();

	LoadDriver(int port) {
		this.port = port;
	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		Path out = Path.of(args[1]);
		LoadDriver driver = new LoadDriver(port);
		StringBuilder md = new StringBuilder();
		md.append("| scenario | plain `SseEmitter` | starter | \n|---|---|---|\n");
		if (args.length > 3 && args[2].equals("peers")) {
			// The peers a user would pick instead, interleaved scenario by scenario
			// (drift
			// hits all alike): plain SseEmitter and this starter in BenchServer
			// (args[0]),
			// WebFlux and better-sse on the ports of args[3], all behind the same
			// contract.
			String[] other = args[3].split(",");
			int webflux = Integer.parseInt(other[0]);
			int node = Integer.parseInt(other[1]);
			md = new StringBuilder(
					"| scenario | plain `SseEmitter` (Tomcat) | WebFlux (Netty, multicast sink) | better-sse (Node) | **this starter** |\n"
							+ "|---|---|---|---|---|\n");
			// Warm-up, everyone.
			for (int[] target : new int[][] { { port, 0 }, { port, 1 }, { webflux, 1 }, { node, 1 } }) {
				driver.at(target[0], () -> driver.tokens((target[1] == 0) ? "plain" : "starter", 50, 2000));
			}
			record Scenario(String title, String plainMode, Scenario.Run run) {
				interface Run {

					String at(String mode) throws Exception;

				}
			}
			List<Scenario> scenarios = List.of(
					new Scenario("fan-out burst, 10,000 subscribers x 200 events of 64 B", "plain",
							(mode) -> driver.broadcast(mode, 10_000, 200, 0)),
					new Scenario("fan-out steady, 1 event/s to 10,000 subscribers for 10 s", "plain",
							(mode) -> driver.broadcast(mode, 10_000, 10, 1000)),
					new Scenario("fan-out steady, 5 events/s to 10,000 subscribers for 5 s", "plain",
							(mode) -> driver.broadcast(mode, 10_000, 25, 200)),
					new Scenario("fan-out steady, 20 events/s to 1,000 subscribers for 10 s", "plain",
							(mode) -> driver.broadcast(mode, 1_000, 200, 50)),
					new Scenario(
							"a stuck client among 50 (never reads, 4 KiB receive buffer), 20 events/s of 32 KiB for 10 s",
							"plain", (mode) -> driver.stuckAmong(mode, 50, 200, 32 * 1024, 50)),
					new Scenario("token streaming, 200 streams x 5,000 events of ~8 B", "plain",
							(mode) -> driver.tokens(mode, 200, 5000)),
					new Scenario(
							"time to response headers, one stream at a time (2,000 in a row; plain sends a comment at once)",
							"plain+comment", (mode) -> driver.ttfbOneAtATime(mode, 2000)),
					new Scenario(
							"time to response headers, 50 streams at once (median / max; plain sends a comment at once)",
							"plain+comment", (mode) -> driver.ttfb(mode, 50, 500)));
			for (Scenario scenario : scenarios) {
				String plain = driver.at(port, () -> scenario.run().at(scenario.plainMode()));
				String flux = driver.at(webflux, () -> scenario.run().at("starter"));
				String better = driver.at(node, () -> scenario.run().at("starter"));
				String starter = driver.at(port, () -> scenario.run().at("starter"));
				String line = "| " + scenario.title() + " | " + plain + " | " + flux + " | " + better + " | " + starter
						+ " |\n";
				System.out.print(line);
				md.append(line);
			}
			Files.writeString(out, md.toString());
			return;
		}
		if (args.length > 4 && args[2].equals("hold")) {
			// Idle streams held at once in a fresh server: heap and RSS per stream.
			String result = driver.holdAndMeasure(args[3], Integer.parseInt(args[4]), false);
			System.out.println(result);
			Files.writeString(out, result);
			return;
		}
		if (args.length > 4 && args[2].equals("redis")) {
			// bench/redis.sh: two instances on one Redis (args[3]) against two on a
			// cluster (args[4]).
			new RedisScenarios(driver).run(out, ports(args[3]), ports(args[4]));
			return;
		}
		if (args.length > 3 && args[2].equals("cross")) {
			// Topics over Redis: subscribers spread over the servers of args[3] (comma
			// separated), publications through the first; args[0] is one in-memory
			// server, for comparison under the same load.
			int[] redisPorts = java.util.Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
			md = new StringBuilder("| 1,000 subscribers, 64-byte events | one instance, in memory | "
					+ redisPorts.length + " instances on one Redis (published through the first) |\n|---|---|---|\n");
			driver.spread(new int[] { port }, 200, 20, 10);
			driver.spread(redisPorts, 200, 20, 10);
			for (int rate : new int[] { 1, 10 }) {
				int n = 10 * rate;
				long interval = 1000 / rate;
				String memory = driver.spread(new int[] { port }, 1_000, n, interval);
				String redis = driver.spread(redisPorts, 1_000, n, interval);
				md.append(String.format(Locale.ROOT, "| %d publication(s)/s for 10 s (%,d deliveries/s) | ", rate,
						rate * 1_000))
					.append(memory)
					.append(" | ")
					.append(redis)
					.append(" |\n");
			}
			md.append("| publications/s through one instance, 20,000 at once, no subscriber | ")
				.append(driver.publishRate(port, 20_000))
				.append(" | ")
				.append(driver.publishRate(redisPorts[0], 20_000))
				.append(" |\n");
			System.out.println(md);
			Files.writeString(out, md.toString());
			return;
		}
		if (args.length > 2 && !args[2].equals("paced10k")) {
			// ONLY: a few scenarios, e.g. "ttfb,burst1k,paced10k", starter and plain, for
			// a quick comparison.
			for (String name : args[2].split(",")) {
				String result = switch (name) {
					case "ttfb" -> driver.ttfb("plain", 50, 500) + " | " + driver.ttfb("starter", 50, 500);
					// Five rounds in a row: how much of the first round is a cold JIT.
					case "ttfb5" -> {
						StringBuilder rounds = new StringBuilder();
						for (int round = 0; round < 5; round++) {
							rounds.append(driver.ttfb("plain", 50, 500))
								.append(" | ")
								.append(driver.ttfb("plain+comment", 50, 500))
								.append(" | ")
								.append(driver.ttfb("starter", 50, 500))
								.append("; ");
						}
						yield rounds.toString();
					}
					case "ttfbseq" ->
						driver.ttfbOneAtATime("plain+comment", 2000) + " | " + driver.ttfbOneAtATime("starter", 2000);
					// One side only, e.g. under a profiler.
					case "ttfbseq-plain" -> driver.ttfbOneAtATime("plain+comment", 5000);
					case "ttfbseq-starter" -> driver.ttfbOneAtATime("starter", 5000);
					case "tokens" -> driver.tokens("plain", 200, 5000) + " | " + driver.tokens("starter", 200, 5000);
					case "burst1k" ->
						driver.broadcast("plain", 1_000, 200, 0) + " | " + driver.broadcast("starter", 1_000, 200, 0);
					case "paced1k" ->
						driver.broadcast("plain", 1_000, 200, 50) + " | " + driver.broadcast("starter", 1_000, 200, 50);
					case "burst10k" -> driver.broadcast("starter", 10_000, 200, 0);
					case "stuck" -> driver.stuckAmong("plain", 50, 200, 32 * 1024, 50) + " | "
							+ driver.stuckAmong("starter", 50, 200, 32 * 1024, 50);
					case "steady10k" -> driver.broadcast("starter", 10_000, 10, 1000);
					case "steady10k5" -> driver.broadcast("starter", 10_000, 25, 200);
					// Each in a fresh server: Tomcat keeps closed connections' buffers.
					case "sleepers10k" -> driver.holdAndMeasure("/starter/sleepy", 10_000, true);
					case "idle10k" -> driver.holdAndMeasure("/starter/subscribe", 10_000, false);
					// As many as one process's 20,000 file descriptors allow here.
					case "idle19k" -> driver.holdAndMeasure("/starter/subscribe", 19_000, false);
					case "idle19k-plain" -> driver.holdAndMeasure("/plain/idle", 19_000, false);
					case "paced10k" -> driver.broadcast("starter", 10_000, 200, 50);
					default -> throw new IllegalArgumentException(name);
				};
				System.out.println(name + ": " + result);
				md.append(name).append(": ").append(result).append('\n');
			}
			Files.writeString(out, md.toString());
			return;
		}
		if (args.length > 2 && args[2].equals("paced10k")) {
			// A quick look at one scenario (e.g. under a profiler): the starter only,
			// paced, 10,000 subscribers.
			System.out.println(driver.broadcast("starter", 10_000, 200, 50));
			return;
		}
		// Warm both paths up before measuring.
		driver.tokens("plain", 50, 2000);
		driver.tokens("starter", 50, 2000);
		for (int round = 0; round < 1; round++) {
			String[] ttfb = { driver.ttfb("plain", 50, 500), driver.ttfb("starter", 50, 500) };
			md.append("| time to response headers, first event after 500 ms (median / max of 50) | ")
				.append(ttfb[0])
				.append(" | ")
				.append(ttfb[1])
				.append(" |\n");
			String[] tokens = { driver.tokens("plain", 200, 5000), driver.tokens("starter", 200, 5000) };
			md.append("| token streaming, 200 streams x 5,000 events, as fast as possible | ")
				.append(tokens[0])
				.append(" | ")
				.append(tokens[1])
				.append(" |\n");
			String[] idle = { driver.idleHeap("plain", "/plain/idle", 2000),
					driver.idleHeap("starter", "/starter/idle", 2000) };
			md.append("| heap per idle stream (2,000 open; starter: async callback waiting) | ")
				.append(idle[0])
				.append(" | ")
				.append(idle[1])
				.append(" |\n");
			md.append("| heap per idle topic subscriber (2,000 open; `sse.subscribe`) | n/a | ")
				.append(driver.idleHeap("starter", "/starter/subscribe", 2000))
				.append(" |\n");
			String[] gone = { driver.disconnect("plain", 500), driver.disconnect("starter", 500) };
			md.append("| 500 clients leave idle streams: still open on the server 12 s later | ")
				.append(gone[0])
				.append(" | ")
				.append(gone[1])
				.append(" |\n");
		}
		for (int subscribers : new int[] { 1_000, 10_000 }) {
			String[] fanout = { driver.broadcast("plain", subscribers, 200, 0),
					driver.broadcast("starter", subscribers, 200, 0) };
			md.append(String.format(Locale.ROOT,
					"| broadcast burst: one loader, %,d subscribers, 200 events of 64 bytes at once | ", subscribers))
				.append(fanout[0])
				.append(" | ")
				.append(fanout[1])
				.append(" |\n");
			String[] paced = { driver.broadcast("plain", subscribers, 200, 50),
					driver.broadcast("starter", subscribers, 200, 50) };
			md.append(String.format(Locale.ROOT,
					"| broadcast paced: %,d subscribers, 200 events of 64 bytes, one every "
							+ "50 ms (%,d deliveries/s offered) | ",
					subscribers, subscribers * 20))
				.append(paced[0])
				.append(" | ")
				.append(paced[1])
				.append(" |\n");
		}
		System.out.println(md);
		Files.writeString(out, md.toString());
	}

	// ---- scenarios ----

	private String ttfb(String mode, int count, long delayMs) throws Exception {
		List<Conn> conns = new ArrayList<>();
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < count; i++) {
				conns.add(open(selector, "/" + mode.replace("+comment", "") + "/delayed?ms=" + delayMs
						+ (mode.endsWith("+comment") ? "&comment=true" : "")));
			}
			pump(selector, conns, Duration.ofSeconds(30), (c) -> c.ended);
		}
		long[] millis = conns.stream().mapToLong((c) -> (c.headersAt - c.startedAt) / 1_000_000).sorted().toArray();
		return millis[millis.length / 2] + " ms / " + millis[millis.length - 1] + " ms";
	}

	/**
	 * Streams opened one after another, each closed once its headers are read: the time
	 * from the request's last byte to the end of the response headers, without
	 * contention.
	 */
	private String ttfbOneAtATime(String mode, int count) throws Exception {
		String path = "/" + mode.replace("+comment", "") + "/delayed?ms=500"
				+ (mode.endsWith("+comment") ? "&comment=true" : "");
		byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		long[] micros = new long[count];
		byte[] in = new byte[16 * 1024];
		for (int i = 0; i < count; i++) {
			try (java.net.Socket socket = new java.net.Socket("127.0.0.1", this.port)) {
				socket.setSoTimeout(10_000);
				socket.getOutputStream().write(request);
				long started = System.nanoTime();
				int length = 0;
				while (!headersEnded(in, length)) {
					if (length == in.length) {
						throw new IOException("No end of headers in " + length + " bytes");
					}
					int n = socket.getInputStream().read(in, length, in.length - length);
					if (n < 0) {
						throw new IOException("Closed before the headers");
					}
					length += n;
				}
				micros[i] = (System.nanoTime() - started) / 1_000;
			}
			if (i == 9 && Arrays.stream(micros, 0, 10).sorted().toArray()[5] > 100_000) {
				// Headers only with the first event (500 ms later): ten tell as much as
				// 2,000.
				long[] first = Arrays.stream(micros, 0, 10).sorted().toArray();
				return String.format(Locale.ROOT, "p50 %.0f ms, max %.0f ms (10 one at a time)", first[5] / 1000.0,
						first[9] / 1000.0);
			}
		}
		Arrays.sort(micros);
		return String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, max %.2f ms (%,d one at a time)",
				micros[count / 2] / 1000.0, micros[(int) (count * 0.99)] / 1000.0, micros[count - 1] / 1000.0, count);
	}

	private static boolean headersEnded(byte[] in, int length) {
		for (int i = 3; i < length; i++) {
			if (in[i - 3] == '\r' && in[i - 2] == '\n' && in[i - 1] == '\r' && in[i] == '\n') {
				return true;
			}
		}
		return false;
	}

	private String tokens(String mode, int count, int n) throws Exception {
		List<Conn> conns = new ArrayList<>();
		long start = System.nanoTime();
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < count; i++) {
				conns.add(open(selector, "/" + mode + "/tokens?n=" + n));
			}
			pump(selector, conns, Duration.ofSeconds(120), (c) -> c.ended);
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		long events = conns.stream().mapToLong((c) -> c.dataLines).sum();
		long[] done = conns.stream().mapToLong((c) -> (c.endedAt - c.startedAt) / 1_000_000).sorted().toArray();
		long complete = conns.stream().filter((c) -> c.dataLines == n).count();
		return String.format(Locale.ROOT, "%,.0f events/s; streams done p50 %d ms, p99 %d ms; %d/%d complete",
				events / seconds, done[done.length / 2], done[(int) (done.length * 0.99)], complete, count);
	}

	private String idleHeap(String mode, String path, int count) throws Exception {
		long before = heap();
		List<Conn> conns = new ArrayList<>();
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < count; i++) {
				conns.add(open(selector, path));
			}
			awaitOpen(selector, conns, mode, count);
			long during = heap();
			String state = get("/bench/state");
			post("/bench/release");
			if (!path.endsWith("subscribe")) {
				pump(selector, conns, Duration.ofSeconds(30), (c) -> c.ended);
			}
			for (Conn c : conns) {
				c.channel.close();
			}
			long perStream = (during - before) / count;
			return String.format(Locale.ROOT, "%,d bytes (%s)", perStream, threads(state));
		}
	}

	private String disconnect(String mode, int count) throws Exception {
		post("/bench/release");
		int before = Integer.parseInt(number(get("/bench/state"), mode + "Open"));
		List<Conn> conns = new ArrayList<>();
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < count; i++) {
				conns.add(open(selector, "/" + mode + "/idle"));
			}
			awaitOpen(selector, conns, mode, before + count);
			for (Conn c : conns) {
				c.channel.close();
			}
		}
		Thread.sleep(12_000);
		String state = get("/bench/state");
		post("/bench/release");
		return (Integer.parseInt(number(state, mode + "Open")) - before) + " of " + count;
	}

	private String broadcast(String mode, int count, int n, long intervalMillis) throws Exception {
		post("/bench/release");
		// The previous scenario's clients must be gone (noticed by the server) before
		// this one counts its own as subscribed.
		awaitGone(mode.equals("plain") ? "plainSubscribers" : "starterOpen");
		List<Conn> conns = new ArrayList<>();
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < count; i++) {
				Conn conn = open(selector, "/" + mode + "/subscribe");
				conn.latencies = new long[n];
				conns.add(conn);
				if (i % 500 == 499) {
					int opened = i + 1;
					awaitState(selector, conns, (mode.equals("plain") ? "plainSubscribers" : "starterOpen"), opened);
				}
			}
			awaitState(selector, conns, (mode.equals("plain") ? "plainSubscribers" : "starterOpen"), count);
			long start = System.currentTimeMillis();
			var response = this.http.sendAsync(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/" + mode + "/broadcast?n=" + n
						+ "&intervalMillis=" + intervalMillis))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
			pump(selector, conns, Duration.ofSeconds(300), (c) -> c.dataLines >= n || c.ended);
			long end = conns.stream().mapToLong((c) -> c.lastDataAt).max().orElse(start);
			String body = response.get().body();
			String publish = number(body, "publishMillis") + " ms";
			if (!number(body, "writtenP50Millis").equals("?")) {
				publish += "; the server wrote each event to every subscriber in p50 "
						+ number(body, "writtenP50Millis") + " ms (" + number(body, "writtenLate") + " of " + n
						+ " events not within the " + intervalMillis + " ms interval)";
			}
			long delivered = conns.stream().mapToLong((c) -> c.dataLines).sum();
			long[] all = conns.stream()
				.flatMapToLong((c) -> java.util.Arrays.stream(c.latencies, 0, (int) Math.min(c.dataLines, n)))
				.sorted()
				.toArray();
			for (Conn c : conns) {
				c.channel.close();
			}
			post("/bench/release");
			double seconds = Math.max(1, end - start) / 1000.0;
			return String.format(Locale.ROOT,
					"%,.0f events/s; latency p50 %d ms, p99 %d ms; loader busy %s; " + "%,d/%,d delivered",
					delivered / seconds, all[all.length / 2], all[(int) (all.length * 0.99)], publish, delivered,
					(long) count * n);
		}
	}

	/**
	 * One client that never reads (a 4 KiB receive buffer) among {@code count}
	 * subscribers of a broadcast of large events: what the others receive, and when.
	 */
	private String stuckAmong(String mode, int count, int n, int size, long intervalMillis) throws Exception {
		post("/bench/release");
		awaitGone(mode.equals("plain") ? "plainSubscribers" : "starterOpen");
		List<Conn> conns = new ArrayList<>();
		try (Selector selector = Selector.open(); SocketChannel stuck = SocketChannel.open()) {
			stuck.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4096);
			stuck.connect(new InetSocketAddress("127.0.0.1", this.port));
			stuck.write(ByteBuffer
				.wrap(("GET /" + mode + "/subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII)));
			for (int i = 1; i < count; i++) {
				Conn conn = open(selector, "/" + mode + "/subscribe");
				conn.latencies = new long[n];
				conns.add(conn);
			}
			awaitState(selector, conns, (mode.equals("plain") ? "plainSubscribers" : "starterOpen"), count);
			var response = this.http.sendAsync(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/" + mode + "/broadcast?n=" + n
						+ "&intervalMillis=" + intervalMillis + "&size=" + size))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
			try {
				// The broadcast takes n * interval; give the others 10 s more to read it.
				pump(selector, conns, Duration.ofMillis(n * intervalMillis + 10_000),
						(c) -> c.dataLines >= n || c.ended);
			}
			catch (IOException timeout) {
				// Reported below as what was delivered.
			}
			long delivered = conns.stream().mapToLong((c) -> Math.min(c.dataLines, n)).sum();
			long[] all = conns.stream()
				.flatMapToLong((c) -> Arrays.stream(c.latencies, 0, (int) Math.min(c.dataLines, n)))
				.sorted()
				.toArray();
			for (Conn c : conns) {
				c.channel.close();
			}
			stuck.close();
			response.get(60, TimeUnit.SECONDS);
			post("/bench/release");
			if (all.length == 0) {
				return String.format(Locale.ROOT, "0/%,d delivered to the other %d", (long) (count - 1) * n, count - 1);
			}
			return String.format(Locale.ROOT, "others: p50 %d ms, p99 %d ms of those delivered, %,d/%,d delivered",
					all[all.length / 2], all[(int) (all.length * 0.99)], delivered, (long) (count - 1) * n);
		}
	}

	/**
	 * A topic's subscribers spread over several servers, published through the first:
	 * latency from publication (the time in the payload) to the client's read.
	 */
	private String spread(int[] ports, int count, int n, long intervalMillis) throws Exception {
		return spread(ports, count, n, (i) -> "/starter/subscribe",
				"/starter/broadcast?n=" + n + "&intervalMillis=" + intervalMillis);
	}

	/**
	 * Subscribers spread over servers ({@code path} per subscriber), each expecting
	 * {@code n} events, published through the first server by a POST of
	 * {@code broadcast}.
	 */
	String spread(int[] ports, int count, int n, java.util.function.IntFunction<String> path, String broadcast)
			throws Exception {
		int home = this.port;
		List<Conn> conns = new ArrayList<>();
		try (Selector selector = Selector.open()) {
			int[] share = new int[ports.length];
			for (int i = 0; i < count; i++) {
				int at = i % ports.length;
				this.port = ports[at];
				Conn conn = open(selector, path.apply(i));
				conn.latencies = new long[n];
				conns.add(conn);
				share[at]++;
			}
			for (int at = 0; at < ports.length; at++) {
				this.port = ports[at];
				awaitState(selector, conns, "starterOpen", share[at]);
			}
			this.port = ports[0];
			long start = System.currentTimeMillis();
			var response = this.http
				.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + broadcast))
					.POST(HttpRequest.BodyPublishers.noBody())
					.build(), HttpResponse.BodyHandlers.ofString());
			pump(selector, conns, Duration.ofSeconds(300), (c) -> c.dataLines >= n || c.ended);
			response.get();
			long delivered = conns.stream().mapToLong((c) -> c.dataLines).sum();
			long[] all = conns.stream()
				.flatMapToLong((c) -> java.util.Arrays.stream(c.latencies, 0, (int) Math.min(c.dataLines, n)))
				.sorted()
				.toArray();
			for (Conn c : conns) {
				c.channel.close();
			}
			for (int p : ports) {
				this.port = p;
				long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
				while (Integer.parseInt(number(get("/bench/state"), "starterOpen")) > 0
						&& System.nanoTime() < deadline) {
					Thread.sleep(100);
				}
			}
			return String.format(Locale.ROOT, "p50 %d ms, p99 %d ms, max %d ms; %,d/%,d delivered", all[all.length / 2],
					all[(int) (all.length * 0.99)], all[all.length - 1], delivered, (long) count * n);
		}
		finally {
			this.port = home;
		}
	}

	private static int[] ports(String list) {
		return java.util.Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
	}

	interface Measure {

		String run() throws Exception;

	}

	/** A scenario against another server. */
	String at(int port, Measure measure) throws Exception {
		int home = this.port;
		this.port = port;
		try {
			return measure.run();
		}
		catch (Exception ex) {
			return "failed: " + ex;
		}
		finally {
			this.port = home;
		}
	}

	/** Publications per second through one server's topic with no subscriber. */
	private String publishRate(int port, int n) throws Exception {
		return at(port, () -> {
			long start = System.nanoTime();
			post("/starter/broadcast?n=" + n + "&intervalMillis=0&topic=empty");
			return String.format(Locale.ROOT, "%,.0f/s", n / ((System.nanoTime() - start) / 1e9));
		});
	}

	void awaitState(Selector selector, List<Conn> conns, String field, int count) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
		while (Integer.parseInt(number(get("/bench/state"), field)) < count) {
			if (System.nanoTime() > deadline) {
				throw new IOException(field + " did not reach " + count);
			}
			long until = System.nanoTime() + 200_000_000L;
			pump(selector, conns, Duration.ofSeconds(1), (c) -> System.nanoTime() > until);
		}
	}

	/**
	 * Streams held all at once, as the dashboard example's async callbacks that send a
	 * tick and sleep a second ({@code /starter/sleepy}) or as idle topic subscribers (no
	 * callback: the container's own share): per stream, the heap and process RSS they
	 * add, and the server's threads.
	 */
	private String holdAndMeasure(String path, int count, boolean ticking) throws Exception {
		String before = get("/bench/heap");
		List<Conn> conns = new ArrayList<>();
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < count; i++) {
				conns.add(open(selector, path));
			}
			String mode = path.startsWith("/plain") ? "plain" : "starter";
			awaitOpen(selector, conns, mode, count);
			// A few ticks each, read as they come.
			long until = System.nanoTime() + 3_000_000_000L;
			pump(selector, conns, Duration.ofSeconds(5), (c) -> System.nanoTime() > until);
			String during = get("/bench/heap");
			String state = get("/bench/state");
			long lines = conns.stream().mapToLong((c) -> c.dataLines).sum();
			for (Conn c : conns) {
				c.channel.close();
			}
			long heap = (Long.parseLong(number(during, "used")) - Long.parseLong(number(before, "used"))) / count;
			String rssBefore = number(before, "rss");
			String rssDuring = number(during, "rss");
			String rss = (rssBefore.equals("?") || rssDuring.equals("?") || rssBefore.equals("0")) ? "n/a" : String
				.format(Locale.ROOT, "%,d B", (Long.parseLong(rssDuring) - Long.parseLong(rssBefore)) / count);
			String threads = number(state, "threads");
			String result = String.format(Locale.ROOT, "%,d B heap and %s RSS per stream", heap, rss)
					+ (threads.equals("?") ? "" : ", server threads: " + threads);
			return ticking ? result + String.format(Locale.ROOT, ", %,d ticks read", lines) : result;
		}
		finally {
			// Let the server notice every client gone before the next measurement.
			if (path.startsWith("/plain")) {
				post("/bench/release");
			}
			else {
				awaitGone("starterOpen");
			}
		}
	}

	/** Waits (up to a minute) until the server holds no stream of the kind. */
	private void awaitGone(String field) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (Integer.parseInt(number(get("/bench/state"), field)) > 0) {
			if (System.nanoTime() > deadline) {
				throw new IOException(field + " did not drop to 0 within 60 s");
			}
			TimeUnit.MILLISECONDS.sleep(200);
		}
	}

	// ---- plumbing ----

	/**
	 * A plain SseEmitter sends no headers until its first event, so ask the server what
	 * it holds.
	 */
	private void awaitOpen(Selector selector, List<Conn> conns, String mode, int count) throws Exception {
		awaitState(selector, conns, mode + "Open", count);
	}

	private static String threads(String state) {
		return "server threads: " + number(state, "threads");
	}

	static String number(String json, String field) {
		Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
		return m.find() ? m.group(1) : "?";
	}

	private long heap() throws Exception {
		return Long.parseLong(number(get("/bench/heap"), "used"));
	}

	String get(String path) throws Exception {
		return this.http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
	}

	String post(String path) throws Exception {
		return this.http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString())
			.body();
	}

	Conn open(Selector selector, String path) throws IOException {
		return open(selector, path, "");
	}

	/** A stream request with extra header lines ({@code "Name: value\r\n"} each). */
	Conn open(Selector selector, String path, String headers) throws IOException {
		SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", this.port));
		channel.configureBlocking(false);
		Conn conn = new Conn(channel);
		String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + headers
				+ "\r\n";
		ByteBuffer buffer = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
		conn.startedAt = System.nanoTime();
		channel.register(selector, SelectionKey.OP_READ, conn);
		return conn;
	}

	interface Done {

		boolean test(Conn conn);

	}

	static void pump(Selector selector, List<Conn> conns, Duration limit, Done done) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
		byte[] bytes = new byte[buffer.capacity()];
		long deadline = System.nanoTime() + limit.toNanos();
		while (!conns.stream().allMatch(done::test)) {
			if (System.nanoTime() > deadline) {
				throw new IOException("Load scenario did not finish within " + limit);
			}
			selector.select(100);
			for (SelectionKey key : selector.selectedKeys()) {
				Conn conn = (Conn) key.attachment();
				buffer.clear();
				int n;
				try {
					n = conn.channel.read(buffer);
				}
				catch (IOException ex) {
					n = -1;
				}
				if (n < 0) {
					conn.end();
					key.cancel();
					continue;
				}
				buffer.flip();
				buffer.get(bytes, 0, n);
				conn.feed(bytes, n);
			}
			selector.selectedKeys().clear();
		}
	}

	/** One connection: decodes the chunked body and counts data lines. */
	static final class Conn {

		final SocketChannel channel;

		long startedAt;

		long headersAt;

		long endedAt;

		boolean ended;

		long dataLines;

		long lastDataAt;

		long[] latencies;

		private final StringBuilder dataLine = new StringBuilder();

		private boolean inData;

		private final byte[] head = new byte[8192];

		private int headLength;

		private int state; // 0 headers, 1 chunk size, 2 chunk data, 3 CRLF after data

		private int chunkSize;

		private final StringBuilder sizeLine = new StringBuilder();

		private final byte[] prefix = new byte[5];

		private int prefixLength;

		private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

		Conn(SocketChannel channel) {
			this.channel = channel;
		}

		void end() {
			if (!this.ended) {
				this.ended = true;
				this.endedAt = System.nanoTime();
			}
		}

		void feed(byte[] bytes, int n) {
			for (int i = 0; i < n; i++) {
				byte b = bytes[i];
				switch (this.state) {
					case 0 -> {
						this.head[Math.min(this.headLength++, this.head.length - 1)] = b;
						if (this.headLength >= 4 && this.head[this.headLength - 1] == '\n'
								&& this.head[this.headLength - 2] == '\r' && this.head[this.headLength - 3] == '\n') {
							this.headersAt = System.nanoTime();
							this.state = 1;
							String headers = new String(this.head, 0, Math.min(this.headLength, this.head.length),
									StandardCharsets.ISO_8859_1)
								.toLowerCase(Locale.ROOT);
							if (headers.contains("\r\ncontent-length: 0\r\n")) {
								end();
								this.state = 4;
							}
						}
					}
					case 1 -> {
						if (b == '\n') {
							String line = this.sizeLine.toString().trim();
							this.sizeLine.setLength(0);
							if (line.isEmpty()) {
								continue;
							}
							this.chunkSize = Integer.parseInt(line.split(";")[0], 16);
							if (this.chunkSize == 0) {
								end();
								this.state = 4;
							}
							else {
								this.state = 2;
							}
						}
						else if (b != '\r') {
							this.sizeLine.append((char) b);
						}
					}
					case 2 -> {
						body(b);
						if (--this.chunkSize == 0) {
							this.state = 1;
						}
					}
					default -> {
					}
				}
			}
		}

		private void body(byte b) {
			if (this.prefixLength < 5) {
				this.prefix[this.prefixLength++] = b;
				if (this.prefixLength == 5 && Arrays.equals(this.prefix, DATA)) {
					this.dataLines++;
					this.lastDataAt = System.currentTimeMillis();
					this.inData = this.latencies != null;
					this.dataLine.setLength(0);
				}
			}
			else if (this.inData && b != '\n' && this.dataLine.length() < 32) {
				this.dataLine.append((char) b);
			}
			if (b == '\n') {
				if (this.inData) {
					this.inData = false;
					String line = this.dataLine.toString().trim();
					int colon = line.indexOf(':');
					int index = (int) this.dataLines - 1;
					if (colon > 0 && index < this.latencies.length) {
						this.latencies[index] = System.currentTimeMillis() - Long.parseLong(line.substring(0, colon));
					}
				}
				this.prefixLength = 0;
			}
		}

	}

	@Override
	public String toString() {
		return "LoadDriver[" + this.port + ", " + Instant.now() + "]";
	}

}
