package dev.sse.it.limits;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Limits on open streams: in all (503), per client (429; the client is the address
 * {@code X-Forwarded-For} names, as {@code server.forward-headers-strategy=native}
 * resolves it), and in sync mode (503); each refusal before anything is streamed, with
 * {@code Retry-After}, counted by reason; the places free up as streams close.
 */
@SpringBootTest(classes = { TestApp.class, LimitsTest.Stubborn.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.max-connections=5", "sse.max-connections-per-client=2", "sse.max-sync-streams=1",
				"server.forward-headers-strategy=native", "sse.disconnect-detection-interval=300ms",
				"sse.executor.retry-after=7s" })
class LimitsTest extends ServerTestSupport {

	/**
	 * A sync callback that ignores interrupts (blocking work that does not listen) until
	 * the test lets it go.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Stubborn {

		static final CountDownLatch release = new CountDownLatch(1);

		@Bean
		StubbornEndpoint stubbornEndpoint(SseService sse) {
			return new StubbornEndpoint(sse);
		}

	}

	@RestController
	static class StubbornEndpoint {

		private final SseService sse;

		StubbornEndpoint(SseService sse) {
			this.sse = sse;
		}

		@GetMapping("/stubborn")
		SseEmitter stubborn() {
			return this.sse.stream((stream) -> {
				while (true) {
					try {
						Stubborn.release.await();
						return;
					}
					catch (InterruptedException ex) {
						// ignored, as blocking I/O that does not listen would
					}
				}
			});
		}

	}

	@Autowired
	private DefaultSseService service;

	@Autowired
	private MeterRegistry registry;

	private RawSseClient open(String client, String path) throws Exception {
		RawSseClient stream = RawSseClient.get(this.port, path, "X-Forwarded-For: " + client);
		stream.status();
		return stream;
	}

	private double rejected(String reason) {
		return this.registry.find("sse.connections.rejected")
			.tag("reason", reason)
			.counters()
			.stream()
			.mapToDouble((c) -> c.count())
			.sum();
	}

	private void awaitOpen(int streams) {
		await().atMost(WAIT)
			.until(() -> this.service.openStreams() == streams && this.service.limits().open() == streams);
	}

	@Test
	void eachLimitRefusesWithItsStatusAndFreesUpAsStreamsClose() throws Exception {
		double clientLimit = rejected("client-limit");
		double syncLimit = rejected("sync-limit");
		double limit = rejected("limit");
		List<RawSseClient> held = new ArrayList<>();
		try {
			held.add(open("10.0.0.1", "/topics/subscribe?topic=limits"));
			held.add(open("10.0.0.1", "/topics/subscribe?topic=limits"));
			awaitOpen(2);
			try (RawSseClient third = open("10.0.0.1", "/topics/subscribe?topic=limits")) {
				assertThat(third.status()).isEqualTo(429);
				assertThat(third.header("Retry-After")).isEqualTo("7");
			}
			assertThat(rejected("client-limit")).isEqualTo(clientLimit + 1);
			// A sync stream holds a request thread: one at most here.
			held.add(open("10.0.0.2", "/idle?async=false"));
			awaitOpen(3);
			try (RawSseClient secondSync = open("10.0.0.3", "/idle?async=false")) {
				assertThat(secondSync.status()).isEqualTo(503);
			}
			assertThat(rejected("sync-limit")).isEqualTo(syncLimit + 1);
			// Async streams do not hold one.
			held.add(open("10.0.0.3", "/idle?async=true"));
			held.add(open("10.0.0.4", "/idle?async=true"));
			awaitOpen(5);
			try (RawSseClient sixth = open("10.0.0.5", "/topics/subscribe?topic=limits")) {
				assertThat(sixth.status()).isEqualTo(503);
				assertThat(sixth.header("Retry-After")).isEqualTo("7");
			}
			assertThat(rejected("limit")).isEqualTo(limit + 1);
			// Closed streams give their places back.
			held.remove(0).close();
			held.remove(1).close();
			awaitOpen(3);
			held.add(open("10.0.0.1", "/topics/subscribe?topic=limits"));
			held.add(open("10.0.0.6", "/idle?async=false"));
			awaitOpen(5);
			for (RawSseClient client : held) {
				assertThat(client.status()).isEqualTo(200);
			}
		}
		finally {
			for (RawSseClient client : held) {
				client.close();
			}
		}
		awaitOpen(0);
	}

	@Test
	void aSyncPlaceIsGivenBackOnlyWhenTheCallbackGivesTheRequestThreadBack() throws Exception {
		try (RawSseClient stubborn = open("10.2.0.1", "/stubborn")) {
			assertThat(stubborn.status()).isEqualTo(200);
			await().atMost(WAIT).until(() -> this.service.openStreams() == 1);
			String id = this.service.streams().get(0).id();
			assertThat(this.service.evict(id)).isTrue();
			await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
			// Ended, but its callback still holds the request thread.
			try (RawSseClient refused = open("10.2.0.2", "/idle?async=false")) {
				assertThat(refused.status()).isEqualTo(503);
			}
			Stubborn.release.countDown();
			await().atMost(WAIT).until(() -> this.service.limits().openSync() == 0);
			try (RawSseClient accepted = open("10.2.0.2", "/idle?async=false")) {
				assertThat(accepted.status()).isEqualTo(200);
			}
		}
		awaitOpen(0);
	}

	/**
	 * Clients open and close topic streams in a random order: each opening is accepted
	 * exactly when both limits leave room, as counted by the test.
	 */
	@Test
	void randomOpeningsAndClosingsMatchTheLimitsExactly() throws Exception {
		long seed = System.nanoTime();
		Random random = new Random(seed);
		Map<String, List<RawSseClient>> open = new HashMap<>();
		List<String> clients = List.of("10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4");
		try {
			for (int step = 0; step < 60; step++) {
				String client = clients.get(random.nextInt(clients.size()));
				List<RawSseClient> mine = open.computeIfAbsent(client, (c) -> new ArrayList<>());
				int total = open.values().stream().mapToInt(List::size).sum();
				if (!mine.isEmpty() && random.nextInt(3) == 0) {
					mine.remove(random.nextInt(mine.size())).close();
					awaitOpen(total - 1);
					continue;
				}
				RawSseClient stream = open(client, "/topics/subscribe?topic=random");
				int expected = (total >= 5) ? 503 : (mine.size() >= 2) ? 429 : 200;
				assertThat(stream.status())
					.as("seed %d, step %d: %s with %d of its own and %d in all", seed, step, client, mine.size(), total)
					.isEqualTo(expected);
				if (expected == 200) {
					mine.add(stream);
					awaitOpen(total + 1);
				}
				else {
					stream.close();
				}
			}
		}
		finally {
			for (List<RawSseClient> streams : open.values()) {
				for (RawSseClient stream : streams) {
					stream.close();
				}
			}
		}
		awaitOpen(0);
	}

}
