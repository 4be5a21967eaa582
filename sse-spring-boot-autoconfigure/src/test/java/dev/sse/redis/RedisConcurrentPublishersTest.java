package dev.sse.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBrokerException;
import dev.sse.test.RedisAdmin;
import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many publishers at once, whose publications share round trips and scripts: every
 * publication gets its own id and is delivered once, each publisher's in its order, a
 * topic's ids increase in delivery order, and a publication that fails (a key of another
 * type) fails alone.
 */
class RedisConcurrentPublishersTest {

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	@Test
	void eightPublishersAtOnce() throws Exception {
		publishersAtOnce(8, 4000);
	}

	@Test
	void sixtyFourPublishersAtOnce() throws Exception {
		publishersAtOnce(64, 500);
	}

	/**
	 * None lost, none duplicated, each publisher's order kept, ids in order per topic.
	 */
	private void publishersAtOnce(int publishers, int each) throws Exception {
		long seed = Long.getLong("sse.test.seed", System.nanoTime());
		System.out.println("RedisConcurrentPublishersTest seed: " + seed + " (-Dsse.test.seed to replay)");
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		String bad = new String(Buckets.of("many", 1).get(0).streamKey("bad"), StandardCharsets.UTF_8);
		admin.commands().set(bad, "not a stream");
		// A history longer than a topic gets: however far the reading instance's reader
		// falls
		// behind the burst, every event is still in Redis for it (a reader more than the
		// history behind gets a reset instead, which is not what this test is about).
		int history = publishers * each;
		RedisSseBroker publishing = this.brokers.broker(this.brokers.factory(redis.port()), "many",
				(s) -> s.history(history, Duration.ofMinutes(5), 0));
		RedisSseBroker reading = this.brokers.broker(this.brokers.factory(redis.port()), "many",
				(s) -> s.history(history, Duration.ofMinutes(5), 0));
		List<String> shared = List.of("s0", "s1", "s2", "s3");
		Map<String, Brokers.Recorder> recorders = new HashMap<>();
		for (String topic : shared) {
			recorders.put(topic, new Brokers.Recorder());
			reading.subscribe(List.of(topic), null, recorders.get(topic));
		}
		Map<String, String> idOf = new ConcurrentHashMap<>();
		List<String> refused = new CopyOnWriteArrayList<>();
		ExecutorService pool = Executors.newFixedThreadPool(publishers);
		List<Future<?>> all = new ArrayList<>();
		for (int p = 0; p < publishers; p++) {
			int publisher = p;
			Random random = new Random(seed + p);
			all.add(pool.submit(() -> {
				for (int i = 0; i < each; i++) {
					String data = publisher + ":" + i;
					String topic = shared.get(random.nextInt(shared.size()));
					if (random.nextInt(50) == 0) {
						try {
							publishing.publish("bad", null, data);
						}
						catch (SseBrokerException ex) {
							refused.add(ex.getMessage());
						}
						continue;
					}
					BrokerEvent event = publishing.publish(topic, null, data);
					idOf.put(data, event.id());
				}
			}));
		}
		for (Future<?> future : all) {
			future.get();
		}
		pool.shutdown();
		assertThat(refused).isNotEmpty().allSatisfy((message) -> assertThat(message).contains("WRONGTYPE"));
		assertThat(idOf.values()).doesNotHaveDuplicates();
		int total = idOf.size();
		await().atMost(Brokers.WAIT)
			.until(() -> recorders.values().stream().mapToInt((r) -> r.events.size()).sum() >= total);
		Map<Integer, Integer> lastOfPublisher = new HashMap<>();
		int received = 0;
		for (String topic : shared) {
			long previous = 0;
			for (BrokerEvent event : recorders.get(topic).events) {
				received++;
				assertThat(event.id()).as("seed %d", seed).isEqualTo(idOf.get(event.data()));
				assertThat(Long.parseLong(event.id())).as("seed %d: %s in id order", seed, topic)
					.isGreaterThan(previous);
				previous = Long.parseLong(event.id());
				int publisher = Integer.parseInt(event.data().substring(0, event.data().indexOf(':')));
				int index = Integer.parseInt(event.data().substring(event.data().indexOf(':') + 1));
				assertThat(index).as("seed %d: publisher %d's order", seed, publisher)
					.isGreaterThan(lastOfPublisher.getOrDefault(publisher * 10 + shared.indexOf(topic), -1));
				lastOfPublisher.put(publisher * 10 + shared.indexOf(topic), index);
			}
		}
		assertThat(received).as("seed %d", seed).isEqualTo(total);
		assertThat(admin.commands().get(bad)).isEqualTo("not a stream");
	}

}
