package dev.sse.internal.topics;

import dev.sse.spi.AbstractSseBrokerContractTest;
import dev.sse.spi.SseBroker;
import dev.sse.spi.SseBrokerException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The in-memory broker keeps the broker contract, and its own limits. */
class InMemorySseBrokerTest extends AbstractSseBrokerContractTest {

	@Override
	protected SseBroker broker(int historySize, Duration historyTtl) {
		return new InMemorySseBroker(historySize, historyTtl);
	}

	private static InMemorySseBroker run(long startMillis, InMemorySseBroker.Limits limits) {
		return new InMemorySseBroker(limits, EventIds.firstOfRun(startMillis), System::nanoTime);
	}

	@Test
	void anIdFromAnEarlierRunGetsAResetEvenWhenTheNewRunHasPublishedMore() {
		InMemorySseBroker.Limits limits = new InMemorySseBroker.Limits(100, Duration.ofMinutes(5), Long.MAX_VALUE, 100);
		InMemorySseBroker earlier = run(1_000_000L, limits);
		String seen = null;
		for (int i = 0; i < 10; i++) {
			seen = earlier.publish("t", null, "old" + i).id();
		}
		InMemorySseBroker later = run(1_000_001L, limits);
		for (int i = 0; i < 20; i++) {
			later.publish("t", null, "new" + i);
		}
		Recorder r = new Recorder();
		later.subscribe(List.of("t"), seen, r);
		assertThat(r.reset).isTrue();
		assertThat(r.events).isEmpty();
	}

	@Test
	void historyIsBoundedInBytes() {
		InMemorySseBroker broker = run(System.currentTimeMillis(),
				new InMemorySseBroker.Limits(1000, Duration.ofMinutes(5), 10_000, 100));
		String first = broker.publish("t", null, "x".repeat(1000)).id();
		for (int i = 0; i < 20; i++) {
			broker.publish("t", null, "x".repeat(1000));
		}
		// 2,064 bytes an event (UTF-16 plus overhead): four fit in 10,000.
		assertThat(broker.historySize()).isEqualTo(4);
		Recorder r = new Recorder();
		broker.subscribe(List.of("t"), first, r);
		assertThat(r.reset).isTrue();
	}

	@Test
	void theNumberOfTopicsIsBoundedAndForgottenTopicsMakeRoom() {
		InMemorySseBroker broker = run(System.currentTimeMillis(),
				new InMemorySseBroker.Limits(0, Duration.ofMinutes(5), Long.MAX_VALUE, 3));
		SseBroker.Subscription a = broker.subscribe(List.of("a"), null, new Recorder());
		broker.subscribe(List.of("b", "c"), null, new Recorder());
		assertThatExceptionOfType(SseBrokerException.class).isThrownBy(() -> broker.publish("d", null, "x"))
			.withMessageContaining("sse.topics.max-topics");
		assertThatExceptionOfType(SseBrokerException.class)
			.isThrownBy(() -> broker.subscribe(List.of("a", "e"), null, new Recorder()));
		assertThat(broker.topicCount()).isEqualTo(3);
		a.close();
		broker.publish("d", null, "x");
		assertThat(broker.topicCount()).isEqualTo(2);
	}

}
