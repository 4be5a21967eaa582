package dev.sse.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream whose topics hash to several buckets resumes from one id: whatever event of a
 * replay the client got last, resuming from its id gives exactly what came after it, with
 * no reset (random topics and publications; the seed is printed).
 */
class RedisMultiBucketResumeTest {

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	@Test
	void aClientCutOffAnywhereInAReplayOfSeveralBucketsResumesExactly() throws Exception {
		long seed = System.nanoTime();
		System.out.println("RedisMultiBucketResumeTest seed " + seed);
		Random random = new Random(seed);
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "mbr", (s) -> s.buckets(4));
		for (int round = 0; round < 5; round++) {
			List<String> topics = new ArrayList<>();
			int count = 2 + random.nextInt(5);
			for (int i = 0; i < count; i++) {
				topics.add("r" + round + "-" + random.nextInt(1000) + "-" + i);
			}
			Brokers.Recorder opened = new Brokers.Recorder();
			SseBroker.Subscription first = broker.subscribe(topics, null, opened);
			String opening = first.position();
			first.close();
			Map<String, String> topicOf = new HashMap<>();
			int events = 3 + random.nextInt(10);
			for (int e = 0; e < events; e++) {
				String topic = topics.get(random.nextInt(topics.size()));
				String data = "r" + round + "e" + e;
				broker.publish(topic, null, data);
				topicOf.put(data, topic);
			}
			Brokers.Recorder replay = new Brokers.Recorder();
			broker.subscribe(topics, opening, replay).close();
			assertThat(replay.seen).as("seed %d: the whole replay", seed).hasSize(events).doesNotContain("RESET");
			assertPerTopicOrder(replay.seen, topicOf, seed);
			for (int k = 0; k < replay.events.size(); k++) {
				BrokerEvent last = replay.events.get(k);
				Brokers.Recorder again = new Brokers.Recorder();
				broker.subscribe(topics, last.id(), again).close();
				List<String> after = replay.seen.subList(k + 1, replay.seen.size());
				assertThat(again.seen).as("seed %d: resumed after %s (%s)", seed, last.data(), last.id())
					.doesNotContain("RESET")
					.containsExactlyInAnyOrderElementsOf(after);
				assertPerTopicOrder(again.seen, topicOf, seed);
			}
		}
	}

	/**
	 * 250 topics of one bucket are checked in three calls while a publisher goes on: what
	 * the replay does not cover arrives live, with no gap and no duplicate.
	 */
	@Test
	void aResumeCheckedInSeveralCallsWhilePublishingGoesOnHasNoGapAndNoDuplicate() throws Exception {
		long seed = System.nanoTime();
		System.out.println("RedisMultiBucketResumeTest seed " + seed);
		Random random = new Random(seed);
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "chunks", (s) -> s);
		List<String> topics = new ArrayList<>();
		for (int i = 0; i < 250; i++) {
			topics.add("c" + i);
		}
		SseBroker.Subscription opened = broker.subscribe(topics, null, new Brokers.Recorder());
		String opening = opened.position();
		opened.close();
		Map<String, String> topicOf = new HashMap<>();
		List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
		for (int e = 0; e < 300; e++) {
			String topic = topics.get(random.nextInt(topics.size()));
			broker.publish(topic, null, "pe" + e);
			topicOf.put("pe" + e, topic);
			published.add("pe" + e);
		}
		java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
		Thread publisher = new Thread(() -> {
			Random more = new Random(seed + 1);
			for (int e = 300; !stop.get() || e < 600; e++) {
				String topic = topics.get(more.nextInt(topics.size()));
				topicOf.put("pe" + e, topic);
				broker.publish(topic, null, "pe" + e);
				published.add("pe" + e);
				if (e > 5000) {
					break;
				}
			}
		});
		publisher.start();
		Brokers.Recorder resumed = new Brokers.Recorder();
		SseBroker.Subscription subscription = broker.subscribe(topics, opening, resumed);
		stop.set(true);
		publisher.join();
		String lastPublished = published.get(published.size() - 1);
		org.awaitility.Awaitility.await().atMost(Brokers.WAIT).until(() -> resumed.seen.contains(lastPublished));
		subscription.close();
		assertThat(resumed.seen).as("seed %d", seed)
			.doesNotContain("RESET")
			.containsExactlyInAnyOrderElementsOf(published);
		assertPerTopicOrder(resumed.seen, topicOf, seed);
	}

	/** Within a topic, events arrive in the order they were published. */
	private static void assertPerTopicOrder(List<String> seen, Map<String, String> topicOf, long seed) {
		Map<String, Integer> lastOf = new LinkedHashMap<>();
		for (String data : seen) {
			int number = Integer.parseInt(data.substring(data.indexOf('e') + 1));
			Integer before = lastOf.put(topicOf.get(data), number);
			assertThat(before == null || before < number).as("seed %d: %s in order within its topic", seed, data)
				.isTrue();
		}
	}

}
