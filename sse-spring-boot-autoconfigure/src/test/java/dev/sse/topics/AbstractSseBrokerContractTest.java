package dev.sse.topics;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link SseBroker} guarantees. A broker's test extends this class and says
 * how to build one; the in-memory broker runs it now, a Redis broker will run the same
 * suite.
 */
public abstract class AbstractSseBrokerContractTest {

	/**
	 * A fresh broker.
	 * @param historySize events kept per topic
	 * @param historyTtl how long they are kept
	 */
	protected abstract SseBroker broker(int historySize, Duration historyTtl);

	/** Records what a subscription receives. */
	protected static class Recorder implements SseBroker.Subscriber {

		final List<BrokerEvent> events = new CopyOnWriteArrayList<>();

		final AtomicBoolean reset = new AtomicBoolean();

		@Override
		public void event(BrokerEvent event) {
			this.events.add(event);
		}

		@Override
		public void reset() {
			this.reset.set(true);
		}

		List<String> data() {
			return this.events.stream().map(BrokerEvent::data).toList();
		}

		List<Long> ids() {
			return this.events.stream().map(BrokerEvent::sequence).toList();
		}

	}

	@Test
	void everySubscriberGetsEveryEventPublishedAfterItSubscribedOnceInOrder() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		broker.publish("news", null, "before");
		Recorder a = new Recorder();
		Recorder b = new Recorder();
		broker.subscribe(List.of("news"), null, a);
		broker.subscribe(List.of("news"), null, b);
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			ids.add(broker.publish("news", "update", "e" + i).id());
		}
		broker.publish("other", null, "not for them");
		for (Recorder r : List.of(a, b)) {
			assertThat(r.data()).hasSize(50).first().isEqualTo("e0");
			assertThat(r.data()).last().isEqualTo("e49");
			assertThat(r.events.stream().map(BrokerEvent::id).toList()).isEqualTo(ids);
			assertThat(r.events).allSatisfy((e) -> assertThat(e.event()).isEqualTo("update"));
		}
	}

	@Test
	void aSubscriberOfSeveralTopicsGetsAllWithIdsIncreasingAcrossThem() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		Recorder r = new Recorder();
		broker.subscribe(List.of("a", "b"), null, r);
		for (int i = 0; i < 20; i++) {
			broker.publish((i % 2 == 0) ? "a" : "b", null, "e" + i);
			broker.publish("c", null, "ignored" + i);
		}
		assertThat(r.events).hasSize(20);
		List<Long> ids = r.ids();
		List<Long> sorted = new ArrayList<>(ids);
		Collections.sort(sorted);
		assertThat(ids).isEqualTo(sorted).doesNotHaveDuplicates();
		assertThat(r.events.stream().map(BrokerEvent::topic).distinct()).containsExactlyInAnyOrder("a", "b");
	}

	@Test
	void aClosedSubscriptionGetsNothingMore() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		Recorder r = new Recorder();
		SseBroker.Subscription subscription = broker.subscribe(List.of("t"), null, r);
		broker.publish("t", null, "one");
		subscription.close();
		subscription.close();
		broker.publish("t", null, "two");
		assertThat(r.data()).containsExactly("one");
	}

	@Test
	void replayDeliversWhatWasMissedInOrderThenTheLiveEvents() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		String seen = broker.publish("a", null, "a1").id();
		broker.publish("b", null, "b1");
		broker.publish("a", null, "a2");
		broker.publish("c", null, "c1");
		broker.publish("b", null, "b2");
		Recorder r = new Recorder();
		broker.subscribe(List.of("a", "b"), seen, r);
		assertThat(r.data()).containsExactly("b1", "a2", "b2");
		broker.publish("a", null, "a3");
		assertThat(r.data()).containsExactly("b1", "a2", "b2", "a3");
		assertThat(r.reset).isFalse();
	}

	@Test
	void publishingWithNoSubscribersStillFeedsTheHistory() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		String first = broker.publish("quiet", null, "x").id();
		broker.publish("quiet", null, "y");
		Recorder r = new Recorder();
		broker.subscribe(List.of("quiet"), Long.toString(Long.parseLong(first) - 1), r);
		assertThat(r.data()).containsExactly("x", "y");
	}

	@Test
	void anIdOlderThanTheHistoryGetsAReset() {
		SseBroker broker = broker(5, Duration.ofMinutes(5));
		String first = broker.publish("t", null, "0").id();
		for (int i = 1; i < 20; i++) {
			broker.publish("t", null, Integer.toString(i));
		}
		Recorder r = new Recorder();
		broker.subscribe(List.of("t"), first, r);
		assertThat(r.reset).isTrue();
		assertThat(r.events).isEmpty();
		broker.publish("t", null, "live");
		assertThat(r.data()).containsExactly("live");
	}

	@Test
	void anIdTheBrokerNeverIssuedGetsAReset() {
		SseBroker broker = broker(5, Duration.ofMinutes(5));
		broker.publish("t", null, "x");
		for (String foreign : List.of("999999", "not-a-number", "-3")) {
			Recorder r = new Recorder();
			broker.subscribe(List.of("t"), foreign, r);
			assertThat(r.reset).as(foreign).isTrue();
		}
		Recorder fresh = new Recorder();
		broker.subscribe(List.of("t"), null, fresh);
		assertThat(fresh.reset).isFalse();
	}

	@Test
	void expiredHistoryCannotBeReplayed() {
		SseBroker broker = broker(100, Duration.ofMillis(50));
		String first = broker.publish("t", null, "old").id();
		broker.publish("t", null, "older");
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			broker.purge();
			return broker.topicCount() == 0;
		});
		Recorder r = new Recorder();
		broker.subscribe(List.of("t"), first, r);
		assertThat(r.reset).isTrue();
	}

	@Test
	void replayJoinsLiveEventsWithNoGapAndNoDuplicateWhilePublishingGoesOn() throws Exception {
		SseBroker broker = broker(100_000, Duration.ofMinutes(5));
		List<String> published = new CopyOnWriteArrayList<>();
		Thread publisher = new Thread(() -> {
			for (int i = 0; i < 5_000; i++) {
				published.add(broker.publish("t", null, Integer.toString(i)).id());
			}
		});
		publisher.start();
		List<Recorder> recorders = new ArrayList<>();
		String last = null;
		// Reconnect again and again while the publisher runs, each time from the last id
		// seen.
		Recorder current = new Recorder();
		SseBroker.Subscription subscription = broker.subscribe(List.of("t"), null, current);
		while (publisher.isAlive()) {
			Recorder watched = current;
			await().atMost(Duration.ofSeconds(10)).until(() -> watched.events.size() >= 25 || !publisher.isAlive());
			subscription.close();
			recorders.add(current);
			if (!current.events.isEmpty()) {
				last = current.events.get(current.events.size() - 1).id();
			}
			current = new Recorder();
			subscription = broker.subscribe(List.of("t"), last, current);
		}
		publisher.join();
		subscription.close();
		recorders.add(current);
		List<String> received = new ArrayList<>();
		recorders.forEach((r) -> r.events.forEach((e) -> received.add(e.id())));
		int start = published.indexOf(
				recorders.stream().flatMap((r) -> r.events.stream()).findFirst().map(BrokerEvent::id).orElseThrow());
		assertThat(received).isEqualTo(published.subList(start, published.size()));
		assertThat(recorders).noneMatch((r) -> r.reset.get());
	}

	@Test
	void topicsWithoutSubscribersOrHistoryAreForgotten() {
		SseBroker broker = broker(0, Duration.ofMinutes(5));
		long baseline = usedHeapAfterGc();
		for (int i = 0; i < 100_000; i++) {
			Recorder r = new Recorder();
			SseBroker.Subscription s = broker.subscribe(Set.of("topic-" + i), null, r);
			broker.publish("topic-" + i, null, "x");
			s.close();
		}
		assertThat(broker.topicCount()).isZero();
		// 100,000 kept topics would hold tens of megabytes; forgotten ones hold nothing.
		assertThat(usedHeapAfterGc() - baseline).isLessThan(8L << 20);
	}

	@Test
	void aSubscriberThatThrowsDoesNotKeepTheEventFromTheOthers() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		Recorder before = new Recorder();
		Recorder after = new Recorder();
		broker.subscribe(List.of("t"), null, before);
		broker.subscribe(List.of("t"), null, new SseBroker.Subscriber() {
			@Override
			public void event(BrokerEvent event) {
				throw new IllegalStateException("subscriber broken");
			}

			@Override
			public void reset() {
				throw new IllegalStateException("subscriber broken");
			}
		});
		broker.subscribe(List.of("t"), null, after);
		broker.publish("t", null, "x");
		broker.publish("t", null, "y");
		assertThat(before.data()).containsExactly("x", "y");
		assertThat(after.data()).containsExactly("x", "y");
	}

	@Test
	void replayAndResetArriveOnTheSubscribingThreadBeforeSubscribeReturns() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		String first = broker.publish("t", null, "a").id();
		broker.publish("t", null, "b");
		broker.publish("t", null, "c");
		List<Thread> threads = new CopyOnWriteArrayList<>();
		Recorder replayed = new Recorder() {
			@Override
			public void event(BrokerEvent event) {
				threads.add(Thread.currentThread());
				super.event(event);
			}
		};
		broker.subscribe(List.of("t"), first, replayed);
		assertThat(replayed.data()).containsExactly("b", "c");
		assertThat(threads).containsOnly(Thread.currentThread());
		Recorder reset = new Recorder();
		broker.subscribe(List.of("t"), "not-an-id", reset);
		assertThat(reset.reset).isTrue();
	}

	@Test
	void idsAreDecimalNumbersThatIncreaseAcrossTopics() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		long previous = 0;
		for (int i = 0; i < 50; i++) {
			String id = broker.publish("topic-" + (i % 7), null, "x").id();
			assertThat(id).matches("[1-9][0-9]*");
			assertThat(EventIds.parse(id)).isGreaterThan(previous);
			previous = EventIds.parse(id);
		}
	}

	@Test
	void refusesAnEmptyTopicList() {
		SseBroker broker = broker(10, Duration.ofMinutes(5));
		assertThatIllegalArgumentException().isThrownBy(() -> broker.subscribe(List.of(), null, new Recorder()));
		assertThatIllegalArgumentException().isThrownBy(() -> broker.publish("", null, "x"));
	}

	private static long usedHeapAfterGc() {
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

}
