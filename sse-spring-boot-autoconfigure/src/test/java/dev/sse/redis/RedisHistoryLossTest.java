package dev.sse.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.sse.test.RedisAdmin;
import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * History that Redis no longer holds, whatever took it (the idle expiry, eviction under
 * {@code maxmemory}, {@code FLUSHALL}, a restart without persistence), is decided from
 * what Redis holds, never from a key's absence: a client that may have missed an event is
 * told to reset, and one that missed nothing resumes without a reset.
 */
class RedisHistoryLossTest {

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	private static String streamKey(String prefix, String topic) {
		return new String(Buckets.of(prefix, 1).get(0).streamKey(topic), StandardCharsets.UTF_8);
	}

	private static String indexKey(String prefix) {
		return new String(Buckets.of(prefix, 1).get(0).indexKey(), StandardCharsets.UTF_8);
	}

	private static List<String> resume(RedisSseBroker broker, String topic, String lastEventId) {
		Brokers.Recorder recorder = new Brokers.Recorder();
		broker.subscribe(List.of(topic), lastEventId, recorder).close();
		return recorder.seen;
	}

	@Test
	void aTopicForgottenAfterItsIdleExpiryThatSpeaksAgainResetsAClientFromBeforeAndNotOneThatMissedNothing()
			throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "expiry",
				(s) -> s.idleExpiry(Duration.ofMillis(1500)));
		String e1 = broker.publish("t", null, "e1").id();
		String e5 = null;
		for (int i = 2; i <= 5; i++) {
			e5 = broker.publish("t", null, "e" + i).id();
		}
		// Forgotten: its stream gone, its last id in the horizon.
		await().atMost(Brokers.WAIT).until(() -> admin.commands().exists(streamKey("expiry", "t")) == 0);
		broker.publish("t", null, "e6");
		assertThat(resume(broker, "t", e1)).containsExactly("RESET");
		assertThat(resume(broker, "t", e5)).containsExactly("e6");
	}

	/**
	 * The bucket's keys live twice the idle expiry: a running instance keeps them alive
	 * however short it is, so a quiet bucket is no new epoch (which would reset
	 * everyone).
	 */
	@Test
	void aQuietBucketKeepsItsStateWhileAnInstanceRunsHoweverShortTheIdleExpiry() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "quiet",
				(s) -> s.idleExpiry(Duration.ofMillis(1500)));
		String e1 = broker.publish("t", null, "e1").id();
		// Past the keys' 3 s lifetime, and the topic forgotten meanwhile.
		await().during(Duration.ofSeconds(4))
			.atMost(Duration.ofSeconds(6))
			.until(() -> admin.commands().exists(indexKey("quiet")) == 1);
		await().atMost(Brokers.WAIT).until(() -> admin.commands().exists(streamKey("quiet", "t")) == 0);
		assertThat(resume(broker, "t", e1)).isEmpty();
		broker.publish("t", null, "e2");
		assertThat(resume(broker, "t", e1)).containsExactly("e2");
	}

	@Test
	void aTopicWhoseKeysExpiredWhileNoInstanceRanResetsAClientFromBefore() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		LettuceConnectionFactory factory = this.brokers.factory(redis.port());
		RedisSseBroker first = new RedisSseBroker(factory,
				Brokers.settings("alone", (s) -> s.idleExpiry(Duration.ofMillis(500))));
		first.start();
		await().atMost(Brokers.WAIT).until(first::isAvailable);
		String e1 = first.publish("t", null, "e1").id();
		first.publish("t", null, "e2");
		first.stop();
		// Nobody purges: the keys' own expiry takes everything, the index too.
		await().atMost(Brokers.WAIT).until(() -> admin.commands().exists(indexKey("alone")) == 0);
		RedisSseBroker second = this.brokers.broker(factory, "alone", (s) -> s.idleExpiry(Duration.ofMillis(500)));
		second.publish("t", null, "e3");
		assertThat(resume(second, "t", e1)).containsExactly("RESET");
	}

	@ParameterizedTest
	@ValueSource(strings = { "volatile-lru", "allkeys-lru" })
	void historyEvictedUnderMaxmemoryResetsTheClient(String policy) throws Exception {
		RedisTestServer redis = this.brokers
			.add(RedisTestServer.start("maxmemory 4mb", "maxmemory-policy " + policy, "maxmemory-samples 10"));
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "evicted", (s) -> s);
		String c1 = broker.publish("t", null, "c1").id();
		for (int i = 2; i <= 5; i++) {
			broker.publish("t", null, "c" + i);
		}
		// Keys of someone else's, newer and with an expiry, until Redis evicts ours.
		String filler = "x".repeat(64 * 1024);
		for (int i = 0; admin.commands().exists(streamKey("evicted", "t"), indexKey("evicted")) == 2; i++) {
			admin.commands().psetex("filler:" + i, 600_000, filler);
			assertThat(i).as("Redis never evicted the topic's keys").isLessThan(10_000);
		}
		// Room again, for the next publication.
		admin.commands().configSet("maxmemory", "0");
		broker.publish("t", null, "c6");
		List<String> seen = resume(broker, "t", c1);
		assertThat(seen).first().isEqualTo("RESET");
		assertThat(seen).doesNotContain("c6");
	}

	@Test
	void flushallResetsAResumingClientAndTheLiveSubscribers() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		LettuceConnectionFactory factory = this.brokers.factory(redis.port());
		RedisSseBroker reading = this.brokers.broker(factory, "flushed", (s) -> s);
		RedisSseBroker publishing = this.brokers.broker(factory, "flushed", (s) -> s);
		Brokers.Recorder live = new Brokers.Recorder();
		reading.subscribe(List.of("t"), null, live);
		// A stream of several topics of one bucket reloads once, not once per topic.
		Brokers.Recorder several = new Brokers.Recorder();
		reading.subscribe(List.of("t", "u", "v"), null, several);
		String e1 = publishing.publish("t", null, "e1").id();
		String e2 = publishing.publish("t", null, "e2").id();
		await().atMost(Brokers.WAIT).until(() -> live.seen.size() == 2 && several.seen.size() == 2);
		admin.commands().flushall();
		publishing.publish("t", null, "e3");
		await().atMost(Brokers.WAIT).until(() -> live.seen.contains("RESET"));
		publishing.publish("t", null, "e4");
		await().atMost(Brokers.WAIT).until(() -> live.seen.contains("e4"));
		assertThat(live.seen.subList(0, 3)).containsExactly("e1", "e2", "RESET");
		await().atMost(Brokers.WAIT).until(() -> several.seen.contains("e4"));
		assertThat(several.seen.subList(0, 3)).containsExactly("e1", "e2", "RESET");
		assertThat(several.seen.stream().filter("RESET"::equals)).as("resets in %s", several.seen).hasSize(1);
		assertThat(resume(reading, "t", e1)).containsExactly("RESET");
		// Even a client that missed nothing before the flush cannot be told apart.
		assertThat(resume(publishing, "t", e2)).containsExactly("RESET");
	}

	@Test
	void aRedisRestartedWithoutPersistenceResetsAResumingClient() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start("save \"\""));
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "restarted", (s) -> s);
		String e1 = broker.publish("t", null, "e1").id();
		broker.publish("t", null, "e2");
		redis.stop();
		redis.startAgain();
		await().atMost(Brokers.WAIT).untilAsserted(() -> {
			assertThat(broker.isAvailable()).isTrue();
			broker.publish("t", null, "e3");
		});
		assertThat(resume(broker, "t", e1)).containsExactly("RESET");
	}

}
