package dev.sse.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import dev.sse.spi.SseBrokerException;
import dev.sse.test.RedisAdmin;
import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What goes wrong with one topic stays with that topic: a key of another type under the
 * broker's prefix refuses only its own topic (and is never deleted), and a reader that
 * fell behind its bucket's feed resets only the subscribers of topics that changed
 * meanwhile.
 */
class RedisTopicIsolationTest {

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	@Test
	void aKeyOfAnotherTypeRefusesOnlyItsOwnTopicAndIsNeverDeleted() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		String bad = new String(Buckets.of("typed", 1).get(0).streamKey("bad"), StandardCharsets.UTF_8);
		admin.commands().set(bad, "x");
		// Forgotten topics are purged every second with this idle expiry.
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "typed",
				(s) -> s.idleExpiry(Duration.ofSeconds(1)));
		Brokers.Recorder good = new Brokers.Recorder();
		broker.subscribe(List.of("good"), null, good);
		Brokers.Recorder onBad = new Brokers.Recorder();
		broker.subscribe(List.of("bad"), null, onBad);
		String first = broker.publish("good", null, "g1").id();
		assertThatThrownBy(() -> broker.publish("bad", null, "b1")).isInstanceOf(SseBrokerException.class)
			.hasMessageContaining(bad)
			.hasMessageContaining("WRONGTYPE");
		assertThatThrownBy(() -> broker.subscribe(List.of("bad"), first, new Brokers.Recorder()))
			.isInstanceOf(SseBrokerException.class)
			.hasMessageContaining(bad);
		broker.publish("good", null, "g2");
		await().atMost(Brokers.WAIT).until(() -> good.seen.size() == 2);
		assertThat(good.seen).containsExactly("g1", "g2");
		assertThat(broker.isAvailable()).isTrue();
		Brokers.Recorder resumed = new Brokers.Recorder();
		broker.subscribe(List.of("good"), first, resumed).close();
		assertThat(resumed.seen).containsExactly("g2");
		// Purges later (the index is forgotten after its idle expiry, with every topic),
		// the foreign key is still there, untouched.
		String index = new String(Buckets.of("typed", 1).get(0).indexKey(), StandardCharsets.UTF_8);
		await().atMost(Brokers.WAIT).until(() -> admin.commands().zscore(index, "t:good") == null);
		assertThat(admin.commands().get(bad)).isEqualTo("x");
		assertThat(onBad.seen).isEmpty();
	}

	@Test
	void aReaderBehindTheFeedResetsOnlyTheSubscribersOfTopicsThatChanged() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		LettuceConnectionFactory factory = this.brokers.factory(redis.port());
		// A feed of about 100 entries: a reader 300 events behind has lost its place.
		RedisSseBroker behind = this.brokers.broker(factory, "feed",
				(s) -> s.reader(1000, Duration.ofMillis(500), Duration.ofMillis(100), 100));
		RedisSseBroker publisher = this.brokers.broker(factory, "feed",
				(s) -> s.reader(1000, Duration.ofMillis(500), Duration.ofMillis(100), 100));
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		behind.subscribe(List.of("hold"), null, new SseBroker.Subscriber() {
			@Override
			public void event(BrokerEvent event) {
				holding.countDown();
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}

			@Override
			public void reset() {
			}
		});
		Brokers.Recorder busy = new Brokers.Recorder();
		Brokers.Recorder quiet = new Brokers.Recorder();
		behind.subscribe(List.of("busy"), null, busy);
		behind.subscribe(List.of("quiet"), null, quiet);
		// Streams of a quiet and the busy topic: each is told to reset once, whichever of
		// its topics the catch-up looks at first.
		List<Brokers.Recorder> mixed = new ArrayList<>();
		for (String other : List.of("a", "m", "z", "quiet", "q1", "q2", "zz", "0")) {
			Brokers.Recorder recorder = new Brokers.Recorder();
			behind.subscribe(List.of(other, "busy"), null, recorder);
			mixed.add(recorder);
		}
		publisher.publish("hold", null, "h");
		assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
		for (int i = 0; i < 300; i++) {
			publisher.publish("busy", null, "b" + i);
		}
		release.countDown();
		await().atMost(Brokers.WAIT).until(() -> busy.seen.contains("RESET"));
		publisher.publish("busy", null, "after");
		publisher.publish("quiet", null, "q");
		await().atMost(Brokers.WAIT).until(() -> busy.seen.contains("after") && quiet.seen.contains("q"));
		assertThat(busy.seen).first().isEqualTo("RESET");
		assertThat(busy.seen).last().isEqualTo("after");
		assertThat(quiet.seen).containsExactly("q");
		await().atMost(Brokers.WAIT).until(() -> mixed.stream().allMatch((m) -> m.seen.contains("after")));
		for (Brokers.Recorder m : mixed) {
			assertThat(m.seen).as("a stream of a quiet topic and the busy one")
				.startsWith("RESET")
				.containsSubsequence("b299", "after");
			assertThat(m.seen.stream().filter("RESET"::equals)).as("resets in %s", m.seen).hasSize(1);
		}
	}

}
