package dev.sse.it.wire;

import java.time.Duration;
import java.util.Arrays;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every queued event reaches the client on its own, with keep-alives and disconnect
 * probes off: nothing but a correct writer can carry the last event of a burst, or each
 * of a series of single publishes, to the socket.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.keep-alive-interval=0", "sse.disconnect-detection-interval=0" })
class DeliveryEdgesTest extends ServerTestSupport {

	/**
	 * Long enough for anything that is on its way; an event left in a buffer never comes.
	 */
	private static final Duration ARRIVAL = Duration.ofSeconds(20);

	@Autowired
	private SseService sse;

	@Autowired
	private DefaultSseService service;

	private void awaitSubscribers(String topic, int count) {
		await().atMost(WAIT)
			.until(() -> this.service.streams().stream().filter((s) -> s.topics().contains(topic)).count() == count);
	}

	@Test
	void theLastEventOfABurstReachesAClientWithATinyReceiveBuffer() throws Exception {
		char[] chars = new char[8 * 1024];
		Arrays.fill(chars, 'b');
		String payload = new String(chars);
		try (EventClient client = EventClient.connect(this.port, 4096, (event) -> {
		}, "/topics/subscribe?topic=burst")) {
			awaitSubscribers("burst", 1);
			for (int i = 0; i < 1500; i++) {
				this.sse.publish("burst", i + ":" + payload);
			}
			// Nothing is published after the burst: the last event must come out on its
			// own.
			for (int i = 0; i < 1500; i++) {
				assertThat(client.next(ARRIVAL).data()).startsWith(i + ":");
			}
		}
	}

	@RepeatedTest(4)
	void eachOfASeriesOfSinglePublishesReachesASubscriberOfTwoTopicsBeforeTheNext(RepetitionInfo repetition)
			throws Exception {
		// Probes are off, so a client that left an earlier repetition may still count as
		// subscribed.
		String left = "left-" + repetition.getCurrentRepetition();
		String right = "right-" + repetition.getCurrentRepetition();
		try (EventClient client = EventClient.connect(this.port,
				"/topics/subscribe?topic=" + left + "&topic=" + right)) {
			awaitSubscribers(right, 1);
			for (int i = 0; i < 50; i++) {
				String id = this.sse.publish((i % 2 == 0) ? left : right, "p" + i, "tick");
				assertThat(client.next(ARRIVAL)).isEqualTo(new Event("tick", "p" + i, id));
			}
		}
	}

	@Test
	void aSeriesOfSinglePublishesReachesASlowSmallBufferedSubscriber() throws Exception {
		String big = "s".repeat(20_000);
		try (EventClient client = EventClient.connect(this.port, 4096, (event) -> {
		}, "/topics/subscribe?topic=series")) {
			awaitSubscribers("series", 1);
			for (int i = 0; i < 30; i++) {
				this.sse.publish("series", i + ":" + big);
				assertThat(client.next(ARRIVAL).data()).startsWith(i + ":");
			}
		}
	}

}
