package dev.sse.topics.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.sse.test.RedisTestServer;
import dev.sse.topics.BrokerEvent;
import dev.sse.topics.SseBroker;
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
