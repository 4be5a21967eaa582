package dev.sse.topics;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link SseBroker} guarantees. A broker's test extends this class and says
 * how to build one: the in-memory and the Redis brokers run it, and so can a broker of
 * yours (the starter publishes this class in its test jar). A broker may deliver on
 * another thread, after {@code publish} returns.
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

	/**
	 * How many topics the forgetting test opens and closes; a broker whose every call is
	 * a network round trip may take fewer.
	 * @return the count
	 */
	protected int manyTopics() {
		return 100_000;
	}

	/**
	 * Waits until a recorder has at least that many events: a broker may deliver on
	 * another thread (the Redis broker's reader), after publish returns.
	 */
	protected static void awaitEvents(Recorder recorder, int count) {
		await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.size() >= count);
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
		awaitEvents(a, 50);
		awaitEvents(b, 50);
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
		awaitEvents(r, 20);
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
		awaitEvents(r, 1);
		subscription.close();
		subscription.close();
		// A witness still subscribed: once it has "two", a closed subscription would have
		// had it too.
		Recorder witness = new Recorder();
		broker.subscribe(List.of("t"), null, witness);
		broker.publish("t", null, "two");
		awaitEvents(witness, 1);
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
		awaitEvents(r, 4);
		assertThat(r.data()).containsExactly("b1", "a2", "b2", "a3");
		assertThat(r.reset).isFalse();
	}

	@Test
	void withNoHistoryLiveEventsStillReachSubscribersAndAnyResumeGetsAReset() {
		SseBroker broker = broker(0, Duration.ofMinutes(5));
		Recorder live = new Recorder();
		broker.subscribe(List.of("nohistory"), null, live);
		String first = broker.publish("nohistory", null, "a").id();
		broker.publish("nohistory", null, "b");
		awaitEvents(live, 2);
		assertThat(live.data()).containsExactly("a", "b");
		Recorder resumed = new Recorder();
		broker.subscribe(List.of("nohistory"), first, resumed);
		assertThat(resumed.data()).isEmpty();
		assertThat(resumed.reset).isTrue();
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
		awaitEvents(r, 1);
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

	/**
	 * Subscriptions that come and go, each to topics nobody else in the broker listens
	 * to, while events are published: each gets, from its position on, every event of its
	 * topics in order. (A broker that reads topics from one shared watermark must not
	 * move it past a topic that came while it was reading.)
	 */
	@Test
	void aSubscriptionToTopicsNewToTheBrokerMissesNothingWhilePublishingGoesOn() throws Exception {
		long seed = Long.getLong("sse.test.seed", System.nanoTime());
		Random random = new Random(seed);
		SseBroker broker = broker(100_000, Duration.ofMinutes(5));
		List<String> topics = List.of("a", "b", "c", "d", "e", "f");
		record Published(String topic, long id) {
		}
		List<Published> published = new CopyOnWriteArrayList<>();
		AtomicBoolean publishing = new AtomicBoolean(true);
		Random publisherRandom = new Random(seed + 1);
		Thread publisher = new Thread(() -> {
			while (publishing.get()) {
				String topic = topics.get(publisherRandom.nextInt(topics.size()));
				published.add(new Published(topic, broker.publish(topic, null, "x").sequence()));
				LockSupport.parkNanos(publisherRandom.nextInt(200_000));
			}
		});
		publisher.start();
		try {
			for (int round = 0; round < 150; round++) {
				Set<String> own = new java.util.TreeSet<>();
				own.add(topics.get(random.nextInt(topics.size())));
				if (random.nextBoolean()) {
					own.add(topics.get(random.nextInt(topics.size())));
				}
				Recorder recorder = new Recorder();
				SseBroker.Subscription subscription = broker.subscribe(own, null, recorder);
				long position = Long.parseLong(subscription.position());
				LockSupport.parkNanos(random.nextInt(3_000_000));
				List<Long> expected = published.stream()
					.filter((p) -> own.contains(p.topic()) && p.id() > position)
					.map(Published::id)
					.toList();
				if (!expected.isEmpty()) {
					long last = expected.get(expected.size() - 1);
					await().atMost(Duration.ofSeconds(10))
						.alias("seed " + seed + ", round " + round + ": event " + last)
						.until(() -> recorder.ids().contains(last));
				}
				subscription.close();
				List<Long> ids = recorder.ids();
				assertThat(ids.subList(0, Math.min(ids.size(), expected.size())))
					.as("seed %d, round %d: %s from %d", seed, round, own, position)
					.isEqualTo(expected);
				assertThat(recorder.reset).isFalse();
			}
		}
		finally {
			publishing.set(false);
			publisher.join();
		}
	}

	@Test
	void topicsWithoutSubscribersOrHistoryAreForgotten() {
		SseBroker broker = broker(0, Duration.ofMinutes(5));
		long baseline = usedHeapAfterGc();
		for (int i = 0; i < manyTopics(); i++) {
			Recorder r = new Recorder();
			SseBroker.Subscription s = broker.subscribe(Set.of("topic-" + i), null, r);
			broker.publish("topic-" + i, null, "x");
			s.close();
		}
		assertThat(broker.topicCount()).isZero();
		// 100,000 kept topics would hold tens of megabytes; forgotten ones hold nothing.
		assertThat(usedHeapAfterGc() - baseline).isLessThan(8L << 20);
	}

	@SuppressWarnings("unchecked")
	private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
		throw (T) t;
	}

	/**
	 * Anything a subscriber throws: a runtime exception, an error, a checked exception
	 * thrown sneakily (a Kotlin lambda).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "runtime", "error", "checked" })
	void aSubscriberThatThrowsDoesNotKeepTheEventFromTheOthers(String kind) {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		Recorder before = new Recorder();
		Recorder after = new Recorder();
		broker.subscribe(List.of("t"), null, before);
		broker.subscribe(List.of("t"), null, new SseBroker.Subscriber() {
			@Override
			public void event(BrokerEvent event) {
				fail();
			}

			@Override
			public void reset() {
				fail();
			}

			private void fail() {
				switch (kind) {
					case "runtime" -> throw new IllegalStateException("subscriber broken");
					case "error" -> throw new AssertionError("subscriber broken");
					default -> sneakyThrow(new java.io.IOException("subscriber broken"));
				}
			}
		});
		broker.subscribe(List.of("t"), null, after);
		broker.publish("t", null, "x");
		broker.publish("t", null, "y");
		awaitEvents(before, 2);
		awaitEvents(after, 2);
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
