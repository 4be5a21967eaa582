package dev.sse.spi;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

		/** The events received, in order. */
		public final List<BrokerEvent> events = new CopyOnWriteArrayList<>();

		/** Whether the broker reset this subscriber. */
		public final AtomicBoolean reset = new AtomicBoolean();

		/** A recorder with nothing received. */
		public Recorder() {
		}

		@Override
		public void event(BrokerEvent event) {
			this.events.add(event);
		}

		@Override
		public void reset() {
			this.reset.set(true);
		}

		/**
		 * The data of the events received, in order.
		 * @return the data
		 */
		public List<String> data() {
			return this.events.stream().map(BrokerEvent::data).toList();
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

	/**
	 * A subscriber of several topics gets each topic's events in publish order, and the
	 * id of the last event it got is all a client needs to resume exactly, whatever
	 * topics it came from (the id may carry a position per part of the broker).
	 */
	@Test
	void aSubscriberOfSeveralTopicsGetsEachInOrderAndResumesFromTheLastIdItGot() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		List<String> topics = List.of("a", "b", "x", "y");
		Recorder r = new Recorder();
		SseBroker.Subscription first = broker.subscribe(topics, null, r);
		Map<String, List<String>> published = new HashMap<>();
		for (int i = 0; i < 40; i++) {
			String topic = topics.get(i % topics.size());
			broker.publish(topic, null, "e" + i);
			published.computeIfAbsent(topic, (t) -> new ArrayList<>()).add("e" + i);
			broker.publish("c", null, "ignored" + i);
		}
		awaitEvents(r, 40);
		first.close();
		assertThat(byTopic(r)).isEqualTo(published);
		assertThat(r.events.stream().map(BrokerEvent::id)).doesNotHaveDuplicates();
		String last = r.events.get(r.events.size() - 1).id();
		Map<String, List<String>> missed = new HashMap<>();
		for (int i = 40; i < 60; i++) {
			String topic = topics.get(i % topics.size());
			broker.publish(topic, null, "e" + i);
			missed.computeIfAbsent(topic, (t) -> new ArrayList<>()).add("e" + i);
		}
		Recorder resumed = new Recorder();
		broker.subscribe(topics, last, resumed);
		assertThat(resumed.reset).isFalse();
		assertThat(byTopic(resumed)).isEqualTo(missed);
	}

	private static Map<String, List<String>> byTopic(Recorder recorder) {
		Map<String, List<String>> events = new HashMap<>();
		recorder.events.forEach((e) -> events.computeIfAbsent(e.topic(), (t) -> new ArrayList<>()).add(e.data()));
		return events;
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
		Recorder before = new Recorder();
		SseBroker.Subscription subscription = broker.subscribe(List.of("a", "b"), null, before);
		broker.publish("a", null, "a1");
		awaitEvents(before, 1);
		subscription.close();
		String seen = before.events.get(0).id();
		broker.publish("b", null, "b1");
		broker.publish("a", null, "a2");
		broker.publish("c", null, "c1");
		broker.publish("b", null, "b2");
		Recorder r = new Recorder();
		broker.subscribe(List.of("a", "b"), seen, r);
		assertThat(byTopic(r)).isEqualTo(Map.of("a", List.of("a2"), "b", List.of("b1", "b2")));
		broker.publish("a", null, "a3");
		awaitEvents(r, 4);
		assertThat(r.data()).hasSize(4).last().isEqualTo("a3");
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
	 * to, while events are published: each gets, per topic, an unbroken run of the
	 * topic's events in publish order, which includes every event published after
	 * {@code subscribe} returned. (A broker that reads topics from a shared position must
	 * not move it past a topic that came while it was reading.)
	 */
	@Test
	void aSubscriptionToTopicsNewToTheBrokerMissesNothingWhilePublishingGoesOn() throws Exception {
		long seed = Long.getLong("sse.test.seed", System.nanoTime());
		Random random = new Random(seed);
		SseBroker broker = broker(100_000, Duration.ofMinutes(5));
		List<String> topics = List.of("a", "b", "c", "d", "e", "f");
		// Data are unique: a subscriber's ids may differ from the published ones.
		record Published(String topic, String data, long startedAt) {
		}
		List<Published> published = new CopyOnWriteArrayList<>();
		AtomicBoolean publishing = new AtomicBoolean(true);
		Random publisherRandom = new Random(seed + 1);
		// Held while publishing: once the test has it, every event a subscriber got is
		// in the list.
		Object publication = new Object();
		Thread publisher = new Thread(() -> {
			int n = 0;
			while (publishing.get()) {
				String topic = topics.get(publisherRandom.nextInt(topics.size()));
				String data = "x" + (n++);
				synchronized (publication) {
					long startedAt = System.nanoTime();
					broker.publish(topic, null, data);
					published.add(new Published(topic, data, startedAt));
				}
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
				long subscribed = System.nanoTime();
				LockSupport.parkNanos(random.nextInt(3_000_000));
				List<Published> owed = published.stream()
					.filter((p) -> own.contains(p.topic()) && p.startedAt() > subscribed)
					.toList();
				if (!owed.isEmpty()) {
					String last = owed.get(owed.size() - 1).data();
					await().atMost(Duration.ofSeconds(10))
						.alias("seed " + seed + ", round " + round + ": event " + last)
						.until(() -> recorder.data().contains(last));
				}
				subscription.close();
				List<Published> snapshot;
				synchronized (publication) {
					snapshot = List.copyOf(published);
				}
				for (String topic : own) {
					List<String> all = snapshot.stream()
						.filter((p) -> p.topic().equals(topic))
						.map(Published::data)
						.toList();
					List<String> got = recorder.events.stream()
						.filter((e) -> e.topic().equals(topic))
						.map(BrokerEvent::data)
						.toList();
					String at = "seed " + seed + ", round " + round + ", topic " + topic;
					assertThat(got).as(at)
						.containsAll(
								owed.stream().filter((p) -> p.topic().equals(topic)).map(Published::data).toList());
					if (!got.isEmpty()) {
						int from = all.indexOf(got.get(0));
						assertThat(from).as(at).isNotNegative();
						assertThat(all.subList(from, Math.min(all.size(), from + got.size()))).as(at).isEqualTo(got);
					}
				}
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

	/**
	 * Published ids are decimal numbers that increase per topic (across topics they may
	 * not: a broker may spread topics over parts with a sequence each).
	 */
	@Test
	void idsAreDecimalNumbersThatIncreasePerTopic() {
		SseBroker broker = broker(100, Duration.ofMinutes(5));
		Map<String, Long> previous = new HashMap<>();
		for (int i = 0; i < 70; i++) {
			String topic = "topic-" + (i % 7);
			String id = broker.publish(topic, null, "x").id();
			assertThat(id).matches("[1-9][0-9]*");
			// The regex above keeps it to digits; Long.parseLong bounds it to a long.
			assertThat(Long.parseLong(id)).isGreaterThan(previous.getOrDefault(topic, 0L));
			previous.put(topic, Long.parseLong(id));
		}
	}

	/**
	 * Names that are not well-formed UTF-16 (a lone surrogate, as JSON can carry) have no
	 * UTF-8 form: a broker keyed by bytes would give distinct ones one key.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "\\uD800", "\\uDBFF", "a\\uDC00", "\\uDC00\\uD800" })
	void refusesATopicNameThatIsNotWellFormedUtf16(String escaped) {
		String topic = unescape(escaped);
		SseBroker broker = broker(10, Duration.ofMinutes(5));
		assertThatIllegalArgumentException().isThrownBy(() -> broker.publish(topic, null, "x"))
			.withMessageContaining("surrogate");
		assertThatIllegalArgumentException().isThrownBy(() -> broker.subscribe(List.of(topic), null, new Recorder()))
			.withMessageContaining("surrogate");
		Recorder question = new Recorder();
		broker.subscribe(List.of("?"), null, question);
		broker.publish("?", null, "only this");
		awaitEvents(question, 1);
		assertThat(question.data()).containsExactly("only this");
	}

	private static String unescape(String escaped) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < escaped.length(); i++) {
			if (escaped.startsWith("\\u", i)) {
				out.append((char) Integer.parseInt(escaped.substring(i + 2, i + 6), 16));
				i += 5;
			}
			else {
				out.append(escaped.charAt(i));
			}
		}
		return out.toString();
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
