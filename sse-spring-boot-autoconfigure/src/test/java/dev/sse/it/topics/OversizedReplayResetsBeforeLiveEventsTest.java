package dev.sse.it.topics;

import java.time.Duration;
import java.util.Collection;

import dev.sse.SseService;
import dev.sse.internal.topics.InMemorySseBroker;
import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * a reconnect whose replay alone is larger than sse.topics.buffer-size must get one
 * sse-reset first, THEN live events (semantics.md). TopicStream.subscribe() clears its
 * volatile "replaying" flag only after the broker's subscribe() has returned, i.e. after
 * the subscription is live and the broker's lock released: a live event another thread
 * publishes in that window is taken for part of the too-large replay and silently dropped
 * (observed: sse-reset, then nothing). One published just after the flag is cleared but
 * before the reset is queued goes out before the reset.
 *
 * The broker below is the in-memory broker; it only pins the interleaving by running one
 * publish, on another thread, right after the real subscribe() has released its lock
 * (what any concurrent publisher can do).
 */
@SpringBootTest(classes = { TestApp.class, OversizedReplayResetsBeforeLiveEventsTest.Extra.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.topics.buffer-size=1KB", "sse.topics.history.size=100" })
class OversizedReplayResetsBeforeLiveEventsTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class Extra {

		@Bean
		SseBroker racingBroker() {
			InMemorySseBroker delegate = new InMemorySseBroker(100, Duration.ofMinutes(5));
			return new SseBroker() {
				@Override
				public BrokerEvent publish(String topic, @Nullable String event, String data) {
					return delegate.publish(topic, event, data);
				}

				@Override
				public Subscription subscribe(Collection<String> topics, @Nullable String lastEventId,
						Subscriber subscriber) {
					Subscription subscription = delegate.subscribe(topics, lastEventId, subscriber);
					if (lastEventId != null && topics.contains("reset-order")) {
						Thread publisher = new Thread(() -> delegate.publish("reset-order", null, "live-1"));
						publisher.start();
						try {
							publisher.join();
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
					}
					return subscription;
				}

				@Override
				public int topicCount() {
					return delegate.topicCount();
				}

				@Override
				public long historySize() {
					return delegate.historySize();
				}

				@Override
				public void purge() {
					delegate.purge();
				}
			};
		}

	}

	@Autowired
	private SseService sse;

	@Test
	void theResetComesBeforeAnyLiveEvent() throws Exception {
		String first = this.sse.publish("reset-order", "h".repeat(400));
		for (int i = 0; i < 4; i++) {
			this.sse.publish("reset-order", "h".repeat(400));
		}
		// The replay after `first` (4 x 400 bytes) alone is larger than the 1 KB buffer.
		try (EventClient client = EventClient.connect(this.port, "/topics/subscribe?topic=reset-order", "Last-Event-ID",
				first)) {
			Event e1 = client.next(WAIT);
			assertThat(e1.type()).isEqualTo("sse-reset");
			// live-1 was published after the subscription took effect (its id is above
			// the
			// position the opening gave the client): it must follow the reset.
			Event e2 = client.poll(Duration.ofSeconds(3));
			assertThat(e2).as("the live event published while the stream subscribed").isNotNull();
			assertThat(e2.data()).isEqualTo("live-1");
		}
	}

}
