package dev.sse.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import dev.sse.test.RedisAdmin;
import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replay is paged and bounded: whatever the history holds, no call stalls Redis for the
 * other topics and instances, a replay larger than the subscriber's buffer is a reset
 * decided without reading it, one that fits arrives whole, and one whose history changes
 * under it is a reset, never a gap. Instances with different history settings (a rolling
 * change) never cut a replay short silently.
 */
class RedisReplayBoundsTest {

	/**
	 * A bound that tells a paged replay from an unbounded one whatever else the machine
	 * runs: unpaged, one replay of these histories ran 4.5 to 6.5 s inside Redis; a page
	 * takes a few milliseconds, more when the test shares its cores with a build.
	 */
	private static final long SLOW_MICROS = 100_000;

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	@Test
	void aResumeFromDeepHistoryLargerThanTheBufferIsAResetThatStallsNobody() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		LettuceConnectionFactory factory = this.brokers.factory(redis.port());
		RedisSseBroker a = this.brokers.broker(factory, "deep", (s) -> s.history(1000, Duration.ofMinutes(5), 0));
		RedisSseBroker b = this.brokers.broker(this.brokers.factory(redis.port()), "deep",
				(s) -> s.history(1000, Duration.ofMinutes(5), 0));
		String megabyte = "m".repeat(1 << 20);
		String oldest = a.publish("big", null, megabyte).id();
		for (int i = 1; i < 300; i++) {
			a.publish("big", null, megabyte);
		}
		admin.commands().configSet("slowlog-log-slower-than", Long.toString(SLOW_MICROS));
		admin.commands().slowlogReset();
		Brokers.Recorder live = new Brokers.Recorder();
		b.subscribe(List.of("other"), null, live);
		AtomicBoolean resuming = new AtomicBoolean(true);
		CompletableFuture<List<String>> others = CompletableFuture.supplyAsync(() -> {
			List<String> ids = new ArrayList<>();
			while (resuming.get() || ids.size() < 20) {
				ids.add(a.publish("other", null, "small").id());
			}
			return ids;
		});
		List<String> seen;
		try {
			Brokers.Recorder resumed = new Brokers.Recorder();
			b.subscribe(List.of("big"), oldest, resumed).close();
			seen = resumed.seen;
		}
		finally {
			resuming.set(false);
		}
		assertThat(seen).containsExactly("RESET");
		List<String> published = others.get(30, TimeUnit.SECONDS);
		org.awaitility.Awaitility.await().atMost(Brokers.WAIT).until(() -> live.seen.size() >= published.size());
		assertThat(live.seen).hasSize(published.size()).containsOnly("small");
		assertThat(slowScripts(admin)).isEmpty();
	}

	@Test
	void aDeepReplayThatFitsTheBufferArrivesWholeInBoundedPages() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "fits",
				(s) -> s.history(5000, Duration.ofMinutes(5), 0).replayBytes(16L << 20));
		List<String> published = new ArrayList<>();
		String from = broker.publish("t", null, "before").id();
		for (int i = 0; i < 12; i++) {
			published.add(i + "m".repeat(1 << 20));
		}
		for (int i = 0; i < 2000; i++) {
			published.add("small" + i);
		}
		for (String data : published) {
			broker.publish("t", null, data);
		}
		admin.commands().configSet("slowlog-log-slower-than", Long.toString(SLOW_MICROS));
		admin.commands().slowlogReset();
		Brokers.Recorder resumed = new Brokers.Recorder();
		broker.subscribe(List.of("t"), from, resumed).close();
		assertThat(resumed.seen).isEqualTo(published);
		assertThat(slowScripts(admin)).isEmpty();
	}

	/**
	 * Replays race a publisher whose trimming takes the oldest events while pages are
	 * read: each replay is either exact (every event after the id, in order) or starts
	 * with a reset, never a gap.
	 */
	@Test
	void aReplayWhoseHistoryIsTrimmedUnderItIsExactOrAReset() throws Exception {
		long seed = Long.getLong("sse.test.seed", System.nanoTime());
		System.out.println("RedisReplayBoundsTest seed: " + seed + " (-Dsse.test.seed to replay)");
		Random random = new Random(seed);
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		LettuceConnectionFactory factory = this.brokers.factory(redis.port());
		RedisSseBroker broker = this.brokers.broker(factory, "race", (s) -> s.history(300, Duration.ofMinutes(5), 0));
		List<String> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<String> data = new java.util.concurrent.CopyOnWriteArrayList<>();
		// Events of 64 KiB: a page holds 16, so a replay from the oldest takes about 19,
		// while every publication trims the oldest.
		String padding = "p".repeat(64 * 1024);
		for (int i = 0; i < 300; i++) {
			data.add(i + padding);
			ids.add(broker.publish("t", null, i + padding).id());
		}
		AtomicBoolean running = new AtomicBoolean(true);
		CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
			int i = 300;
			while (running.get()) {
				String d = (i++) + padding;
				data.add(d);
				ids.add(broker.publish("t", null, d).id());
			}
		});
		int exact = 0;
		int resets = 0;
		try {
			for (int round = 0; round < 60; round++) {
				// From near the oldest event kept (trims race the pages) or a recent one.
				int from = random.nextBoolean() ? Math.max(0, ids.size() - 300 + random.nextInt(60))
						: ids.size() - 1 - random.nextInt(30);
				String after = ids.get(from);
				Brokers.Recorder resumed = new Brokers.Recorder();
				broker.subscribe(List.of("t"), after, resumed).close();
				List<String> seen = new ArrayList<>(resumed.seen);
				if (!seen.isEmpty() && seen.get(0).equals("RESET")) {
					resets++;
					continue;
				}
				exact++;
				assertThat(seen).as("seed %d, round %d", seed, round).doesNotContain("RESET");
				assertThat(seen).as("seed %d, round %d", seed, round)
					.isEqualTo(new ArrayList<>(data).subList(from + 1, from + 1 + seen.size()));
			}
		}
		finally {
			running.set(false);
			publisher.get(30, TimeUnit.SECONDS);
		}
		System.out.println("RedisReplayBoundsTest: " + exact + " exact replays, " + resets + " resets");
		assertThat(exact).isPositive();
	}

	/**
	 * During a rolling change of {@code sse.topics.history.size}, an instance replays
	 * within its own limit, and beyond it resets: never a replay cut short as if whole.
	 */
	@Test
	void anInstanceWithASmallerHistoryNeverCutsAReplayShort() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		LettuceConnectionFactory factory = this.brokers.factory(redis.port());
		RedisSseBroker large = this.brokers.broker(factory, "rolling",
				(s) -> s.history(1000, Duration.ofMinutes(5), 0));
		RedisSseBroker small = this.brokers.broker(factory, "rolling", (s) -> s.history(200, Duration.ofMinutes(5), 0));
		List<String> published = new ArrayList<>();
		String first = large.publish("t", null, "e0").id();
		for (int i = 1; i < 400; i++) {
			published.add("e" + i);
			large.publish("t", null, "e" + i);
		}
		Brokers.Recorder onSmall = new Brokers.Recorder();
		small.subscribe(List.of("t"), first, onSmall).close();
		assertThat(onSmall.seen).containsExactly("RESET");
		Brokers.Recorder within = new Brokers.Recorder();
		String recent = onLargeAfter(large, first, 250);
		small.subscribe(List.of("t"), recent, within).close();
		assertThat(within.seen).isEqualTo(published.subList(250, published.size()));
		Brokers.Recorder onLargeWhole = new Brokers.Recorder();
		large.subscribe(List.of("t"), first, onLargeWhole).close();
		assertThat(onLargeWhole.seen).isEqualTo(published);
		// A publication through the smaller one trims to its size: the rest is gone.
		small.publish("t", null, "e400");
		Brokers.Recorder onLarge = new Brokers.Recorder();
		large.subscribe(List.of("t"), first, onLarge).close();
		assertThat(onLarge.seen).containsExactly("RESET");
	}

	/**
	 * A stream of 10,000 topics, each with an event since the client's id: the check runs
	 * in short calls, and the replay is whole and in order within each topic.
	 */
	@Test
	void aResumeOfTenThousandTopicsIsCheckedInShortCallsAndArrivesWhole() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		RedisAdmin admin = this.brokers.add(RedisAdmin.on(redis.port()));
		RedisSseBroker broker = this.brokers.broker(this.brokers.factory(redis.port()), "many", (s) -> s);
		List<String> topics = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			topics.add("topic-" + i);
		}
		SseBroker.Subscription opened = broker.subscribe(topics, null, new Brokers.Recorder());
		String opening = opened.position();
		opened.close();
		List<String> published = new ArrayList<>();
		for (String topic : topics) {
			broker.publish(topic, null, topic + "-1");
			published.add(topic + "-1");
		}
		broker.publish("topic-7", null, "topic-7-2");
		published.add("topic-7-2");
		admin.commands().configSet("slowlog-log-slower-than", Long.toString(SLOW_MICROS));
		admin.commands().slowlogReset();
		Brokers.Recorder resumed = new Brokers.Recorder();
		broker.subscribe(topics, opening, resumed).close();
		assertThat(resumed.seen).isEqualTo(published);
		assertThat(slowScripts(admin)).isEmpty();
	}

	/**
	 * A small {@code max-bytes} bounds what a resuming client replays, not what Redis
	 * keeps for live delivery: a reader held a few events behind still finds them.
	 */
	@Test
	void aReaderAFewEventsBehindFindsThemUnderASmallMaxBytesWhileAResumePastItResets() throws Exception {
		RedisTestServer redis = this.brokers.add(RedisTestServer.start());
		LettuceConnectionFactory factory = this.brokers.factory(redis.port());
		RedisSseBroker behind = this.brokers.broker(factory, "win",
				(s) -> s.history(1000, Duration.ofMinutes(5), 1000));
		RedisSseBroker publisher = this.brokers.broker(factory, "win",
				(s) -> s.history(1000, Duration.ofMinutes(5), 1000));
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		behind.subscribe(List.of("t"), null, new SseBroker.Subscriber() {
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
		Brokers.Recorder live = new Brokers.Recorder();
		behind.subscribe(List.of("t"), null, live);
		String first = publisher.publish("t", null, "e0").id();
		assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
		// 40 events of about 340 bytes on the wire: far past max-bytes, inside the live
		// window; trimming runs at the 17th and the 33rd.
		List<String> expected = new ArrayList<>(List.of("e0"));
		for (int i = 1; i <= 40; i++) {
			publisher.publish("t", null, "e" + i + "-" + "d".repeat(300));
			expected.add("e" + i + "-" + "d".repeat(300));
		}
		release.countDown();
		await().atMost(Brokers.WAIT).until(() -> live.seen.contains(expected.get(expected.size() - 1)));
		assertThat(live.seen).isEqualTo(expected);
		Brokers.Recorder resumed = new Brokers.Recorder();
		behind.subscribe(List.of("t"), first, resumed).close();
		assertThat(resumed.seen).containsExactly("RESET");
	}

	/** The id of the n-th event after {@code first}, as a resuming client has it. */
	private static String onLargeAfter(RedisSseBroker broker, String first, int n) {
		Brokers.Recorder recorder = new Brokers.Recorder();
		broker.subscribe(List.of("t"), first, recorder).close();
		return recorder.events.get(n - 1).id();
	}

	/** The broker's scripts (and the commands they ran) that Redis logged as slow. */
	private static List<String> slowScripts(RedisAdmin admin) {
		List<String> slow = new ArrayList<>();
		for (List<Object> entry : admin.slowlog()) {
			List<?> command = (List<?>) entry.get(3);
			String name = String.valueOf(command.get(0)).toLowerCase(java.util.Locale.ROOT);
			if (!name.startsWith("config") && !name.startsWith("slowlog")) {
				slow.add(name + " took " + entry.get(2) + " us");
			}
		}
		return slow;
	}

}
