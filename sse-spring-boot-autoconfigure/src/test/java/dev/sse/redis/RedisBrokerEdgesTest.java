package dev.sse.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;
import dev.sse.test.RedisTestServer;
import dev.sse.test.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where the Redis broker meets the network and a reader that falls behind: a reply lost
 * after Redis ran a publication, and a history trimmed past what an instance has read.
 */
class RedisBrokerEdgesTest {

	private static final Duration WAIT = Brokers.WAIT;

	private final Brokers brokers = new Brokers();

	@AfterEach
	void closeAll() throws Exception {
		this.brokers.close();
	}

	private LettuceConnectionFactory factory(int port) {
		return this.brokers.factory(port);
	}

	private RedisSseBroker broker(LettuceConnectionFactory factory, String prefix, int historySize) {
		return this.brokers.broker(factory, prefix, (s) -> s.history(historySize, Duration.ofMinutes(5), 0));
	}

	@Test
	void aPublicationWhoseReplyIsLostIsPublishedOnceWhenLettuceSendsItAgain() throws Exception {
		RedisTestServer redis = RedisTestServer.start();
		this.brokers.add(redis);
		TcpProxy link = TcpProxy.to(redis.port());
		this.brokers.add(link);
		LettuceConnectionFactory direct = factory(redis.port());
		RedisSseBroker viaProxy = broker(factory(link.port()), "lost", 100);
		RedisSseBroker watcher = broker(direct, "lost", 100);
		Brokers.Recorder recorder = new Brokers.Recorder();
		watcher.subscribe(List.of("t"), null, recorder);
		viaProxy.publish("t", null, "warm-up");
		link.swallowReplies(true);
		CompletableFuture<BrokerEvent> once = CompletableFuture.supplyAsync(() -> viaProxy.publish("t", null, "once"));
		// Redis ran it; its answer is lost with the connection.
		try (RedisConnection connection = direct.getConnection()) {
			await().atMost(WAIT)
				.until(() -> connection.streamCommands().xLen("{lost.0}:t:t".getBytes(StandardCharsets.UTF_8)) == 2);
		}
		link.swallowReplies(false);
		link.dropConnections();
		// Lettuce reconnects and sends the script again: the same publication, the same
		// id.
		BrokerEvent published = once.get(WAIT.toSeconds(), TimeUnit.SECONDS);
		await().atMost(WAIT).until(() -> recorder.seen.size() >= 2);
		try (RedisConnection connection = direct.getConnection()) {
			assertThat(connection.streamCommands().xLen("{lost.0}:t:t".getBytes(StandardCharsets.UTF_8))).isEqualTo(2);
		}
		await().atMost(WAIT).until(viaProxy::isAvailable);
		String again = viaProxy.publish("t", null, "after").id();
		await().atMost(WAIT).until(() -> recorder.seen.size() >= 3);
		assertThat(recorder.seen).containsExactly("warm-up", "once", "after");
		assertThat(Long.parseLong(again)).isGreaterThan(Long.parseLong(published.id()));
	}

	@Test
	void aReaderThatFellBehindTheHistoryResetsItsSubscribersInsteadOfSkipping() throws Exception {
		RedisTestServer redis = RedisTestServer.start();
		this.brokers.add(redis);
		LettuceConnectionFactory connections = factory(redis.port());
		RedisSseBroker behind = broker(connections, "behind", 10);
		RedisSseBroker publisher = broker(connections, "behind", 10);
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		// Holds this instance's reader on the first event (a slow subscriber, a long
		// pause) while another instance publishes past what Redis keeps of the topic (its
		// history, at least 64 events for live delivery).
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
		Brokers.Recorder recorder = new Brokers.Recorder();
		behind.subscribe(List.of("t"), null, recorder);
		publisher.publish("t", null, "e0");
		assertThat(holding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		for (int i = 1; i <= 200; i++) {
			publisher.publish("t", null, "e" + i);
		}
		release.countDown();
		await().atMost(WAIT).until(() -> recorder.seen.contains("e200"));
		// e0, then a reset for what Redis dropped, then an unbroken tail up to e200.
		assertThat(recorder.seen.subList(0, 2)).containsExactly("e0", "RESET");
		List<String> tail = recorder.seen.subList(2, recorder.seen.size());
		int from = Integer.parseInt(tail.get(0).substring(1));
		List<String> expected = new ArrayList<>();
		for (int i = from; i <= 200; i++) {
			expected.add("e" + i);
		}
		assertThat(from).isGreaterThan(1);
		assertThat(tail).containsExactlyElementsOf(expected);
	}

}
