package dev.sse.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBroker;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.awaitility.Awaitility.await;

/**
 * Brokers and connection factories a test makes, closed together, last first.
 */
final class Brokers implements AutoCloseable {

	static final Duration WAIT = Duration.ofSeconds(30);

	private final List<AutoCloseable> toClose = new ArrayList<>();

	/**
	 * A connection factory as an application would make one itself: no client resources
	 * of Boot's, Lettuce's own command timeout (60 s).
	 */
	LettuceConnectionFactory factory(int port) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", port));
		factory.afterPropertiesSet();
		factory.start();
		this.toClose.add(factory::destroy);
		return factory;
	}

	/** A started broker, once Redis answers it. */
	RedisSseBroker broker(LettuceConnectionFactory factory, String prefix, UnaryOperator<RedisBrokerSettings> more) {
		RedisSseBroker broker = started(new RedisSseBroker(factory, settings(prefix, more)));
		await().atMost(WAIT).until(broker::isAvailable);
		return broker;
	}

	RedisSseBroker started(RedisSseBroker broker) {
		broker.start();
		this.toClose.add(broker::stop);
		return broker;
	}

	static RedisBrokerSettings settings(String prefix, UnaryOperator<RedisBrokerSettings> more) {
		return more.apply(new RedisBrokerSettings().keyPrefix(prefix)
			.reader(1000, Duration.ofMillis(500), Duration.ofMillis(100), 20_000));
	}

	<T extends AutoCloseable> T add(T closeable) {
		this.toClose.add(closeable);
		return closeable;
	}

	@Override
	public void close() throws Exception {
		for (int i = this.toClose.size() - 1; i >= 0; i--) {
			this.toClose.get(i).close();
		}
		this.toClose.clear();
	}

	/** What a subscription receives: data, and {@code RESET} for a reset. */
	static final class Recorder implements SseBroker.Subscriber {

		final List<String> seen = new CopyOnWriteArrayList<>();

		final List<BrokerEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void event(BrokerEvent event) {
			this.events.add(event);
			this.seen.add(event.data());
		}

		@Override
		public void reset() {
			this.seen.add("RESET");
		}

		String lastId() {
			return this.events.get(this.events.size() - 1).id();
		}

	}

}
