package dev.sse.redis;

import java.util.ArrayList;
import java.util.List;

import dev.sse.test.RedisAdmin;
import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ten thousand topics on one instance cost what one does: subscribing sends Redis
 * nothing, an idle instance sends a few commands a second whatever the number of topics,
 * and delivering events sends commands (and bytes) that name the topics being delivered,
 * not every topic subscribed. Counted by Redis itself ({@code INFO stats}).
 */
class RedisManyTopicsTest {

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	@Test
	void tenThousandTopicsCostRedisWhatOneDoes() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		Work one = deliver(redis, admin, "one", 1);
		Work many = deliver(redis, admin, "many", 10_000);
		// The two brokers' watches and readers meanwhile, and the INFO calls: a handful.
		assertThat(many.subscribing()).as("commands while subscribing 10,000 topics").isLessThan(200);
		// About a TIME and two blocking reads a second per broker (before: an XLEN per
		// topic per second).
		assertThat(many.idle()).as("commands in 3 s with 10,000 idle topics").isLessThan(100);
		// Redis counts the commands inside scripts too: compare with one topic.
		assertThat(many.delivering()).as("commands to publish and deliver 2,000 events, 10,000 topics vs 1")
			.isLessThan(one.delivering() * 5 / 4 + 500);
		// The publications themselves are about 0.6 MB; reads that named every topic
		// were 212 MB.
		assertThat(many.bytes()).as("bytes Redis read to publish and deliver 2,000 events").isLessThan(4L << 20);
	}

	private record Work(long subscribing, long idle, long delivering, long bytes) {
	}

	private Work deliver(RedisTestServer redis, RedisAdmin admin, String prefix, int topics) {
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), prefix, (s) -> s);
		RedisSseBroker publisher = this.brokers.broker(this.brokers.factory(redis.port()), prefix, (s) -> s);
		long before = admin.commandsProcessed();
		List<Brokers.Recorder> recorders = new ArrayList<>();
		for (int i = 0; i < topics; i++) {
			Brokers.Recorder recorder = new Brokers.Recorder();
			recorders.add(recorder);
			broker.subscribe(List.of("topic-" + i), null, recorder);
		}
		long subscribing = admin.commandsProcessed() - before;
		long idleFrom = admin.commandsProcessed();
		await().pollDelay(java.time.Duration.ofSeconds(3)).until(() -> true);
		long idle = admin.commandsProcessed() - idleFrom;
		long commandsFrom = admin.commandsProcessed();
		long bytesFrom = admin.bytesReceived();
		for (int i = 0; i < 2_000; i++) {
			publisher.publish("topic-0", null, "e" + i);
		}
		await().atMost(Brokers.WAIT).until(() -> recorders.get(0).seen.size() == 2_000);
		long delivering = admin.commandsProcessed() - commandsFrom;
		long bytes = admin.bytesReceived() - bytesFrom;
		publisher.stop();
		broker.stop();
		return new Work(subscribing, idle, delivering, bytes);
	}

}
