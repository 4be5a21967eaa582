package dev.sse.it.limits;

import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.StuckClient;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Forty clients that stop reading while their callbacks write as fast as they can, twenty
 * sync and twenty async (on Java 17: platform threads): housekeeping goes on for everyone
 * else, every stuck stream is cut off as a slow client, and every callback gets its
 * thread back.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.slow-client.stall-timeout=1s", "sse.slow-client.send-timeout=1s",
				"sse.slow-client.buffer-size=64KB", "sse.disconnect-detection-interval=0",
				// The container's own bound on a blocking write, which a sync callback's
				// thread waits out.
				"server.tomcat.connection-timeout=3s", "server.jetty.connection-idle-timeout=3s" })
class StuckClientsTest extends ServerTestSupport {

	@Autowired
	private DefaultSseService service;

	@Autowired
	private MeterRegistry registry;

	private double slowClientCuts() {
		return Search.in(this.registry)
			.name("sse.connections.closed")
			.tag("uri", "/flood")
			.tag("reason", "slow_client")
			.counters()
			.stream()
			.mapToDouble((c) -> c.count())
			.sum();
	}

	@Test
	void stuckClientsAreCutOffWithoutStarvingAnyoneAndGiveEveryThreadBack() throws Exception {
		long threadsBefore = callbackThreads();
		double cutBefore = slowClientCuts();
		List<Socket> stuck = new ArrayList<>();
		try {
			for (int i = 0; i < 20; i++) {
				stuck.add(StuckClient.open(this.port, "/flood?async=true"));
				stuck.add(StuckClient.open(this.port, "/flood?async=false"));
			}
			await().atMost(WAIT).until(() -> this.signals.counter("flood.started").get() == 40);
			// Keep-alives every 300 ms for a healthy idle stream, while forty writers are
			// stuck.
			try (RawSseClient healthy = RawSseClient.get(this.port, "/keep-alive?millis=300")) {
				String body = healthy.awaitBody((text) -> text.split(": keep-alive\n", -1).length > 4, WAIT);
				assertThat(body).startsWith(": ok\n\n: keep-alive\n");
				// Every stuck stream is cut off, and every callback returns: send() said
				// false.
				await().atMost(Duration.ofSeconds(30)).until(() -> this.signals.counter("flood.returned").get() == 40);
				await().atMost(WAIT).until(() -> slowClientCuts() == cutBefore + 40);
				await().atMost(WAIT).until(() -> this.service.openStreams() == 1);
				this.signals.fire("keep-alive.release");
				healthy.awaitEnd(WAIT);
			}
			await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
			// On Java 17 the async callbacks ran on platform threads, one each: every one
			// of them is back waiting in the executor's pool (or gone).
			await().atMost(WAIT).until(() -> callbackThreads() <= threadsBefore);
		}
		finally {
			for (Socket socket : stuck) {
				socket.close();
			}
		}
	}

	/**
	 * Threads of async callbacks ({@code sse-1}, {@code sse-2}...: the sseTaskExecutor's)
	 * doing anything but waiting for work in their pool.
	 */
	private static long callbackThreads() {
		return Arrays.stream(ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
			.filter((t) -> t.getThreadName().matches("sse-[0-9]+"))
			.filter((t) -> Arrays.stream(t.getStackTrace()).noneMatch((f) -> f.getMethodName().equals("getTask")))
			.count();
	}

}
