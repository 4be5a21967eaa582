package dev.sse.it.topics;

import java.time.Duration;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application restart between two connections of a client: the id it read before the
 * restart must not be taken as a position in the new run's history.
 */
@WireTest
class TopicIdsAcrossARestartTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static ConfigurableApplicationContext start() {
		return new SpringApplicationBuilder(TestApp.class).properties("server.port=0", "server.address=127.0.0.1")
			.run();
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	@Test
	void anIdFromBeforeARestartGetsAResetNeverASilentSkip() throws Exception {
		String seen;
		try (ConfigurableApplicationContext before = start()) {
			SseService sse = before.getBean(SseService.class);
			sse.publish("orders", "o1");
			seen = sse.publish("orders", "o2");
			sse.publish("orders", "o3");
		}
		try (ConfigurableApplicationContext after = start()) {
			SseService sse = after.getBean(SseService.class);
			DefaultSseService service = after.getBean(DefaultSseService.class);
			String first = sse.publish("orders", "n1");
			sse.publish("orders", "n2");
			// Ids never restart: everything of the new run is newer than anything of the
			// old one.
			assertThat(Long.parseLong(first)).isGreaterThan(Long.parseLong(seen));
			try (EventClient client = EventClient.connect(port(after), "/topics/subscribe?topic=orders",
					"Last-Event-ID", seen)) {
				assertThat(client.next(WAIT).type()).isEqualTo("sse-reset");
				await().atMost(WAIT).until(() -> service.openStreams() == 1);
				String live = sse.publish("orders", "n3");
				assertThat(client.next(WAIT)).isEqualTo(new Event("message", "n3", live));
			}
		}
	}

	@Test
	void anIdFromTheFutureOrNotAnIdAtAllGetsAReset() throws Exception {
		try (ConfigurableApplicationContext context = start()) {
			SseService sse = context.getBean(SseService.class);
			String last = sse.publish("prices", "p1");
			for (String claimed : new String[] { Long.toString(Long.parseLong(last) + 1_000_000), "banana",
					"9".repeat(5000), "-1", "12abc" }) {
				try (EventClient client = EventClient.connect(port(context), "/topics/subscribe?topic=prices",
						"Last-Event-ID", claimed)) {
					assertThat(client.next(WAIT).type()).as(claimed.substring(0, Math.min(20, claimed.length())))
						.isEqualTo("sse-reset");
				}
			}
		}
	}

}
