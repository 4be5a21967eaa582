package dev.sse.it.redis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sse.SseService;
import dev.sse.internal.stream.DefaultSseService;
import dev.sse.redis.RedisSseBroker;
import dev.sse.spi.SseBrokerException;
import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.RawSseClient;
import dev.sse.test.RedisTestServer;
import dev.sse.test.TcpProxy;
import dev.sse.test.TestApp;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Redis failing under two running instances, with a real {@code redis-server} stopped and
 * started again inside the test, and a connection cut between one instance and Redis:
 * open streams stay open, publications fail at once and are counted, health says DOWN,
 * and when Redis is back fan-out resumes by itself with nothing lost.
 */
class RedisFaultsTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final List<AutoCloseable> toClose = new ArrayList<>();

	@AfterEach
	void closeAll() throws Exception {
		for (int i = this.toClose.size() - 1; i >= 0; i--) {
			this.toClose.get(i).close();
		}
	}

	private ConfigurableApplicationContext instance(int redisPort, String prefix) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
			.properties("server.port=0", "server.address=127.0.0.1", "sse.broker.type=redis",
					"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redisPort,
					"sse.broker.redis.key-prefix=" + prefix, "sse.keep-alive-interval=300ms")
			.run();
		this.toClose.add(context);
		await().atMost(WAIT).until(() -> broker(context).isAvailable());
		return context;
	}

	private static RedisSseBroker broker(ConfigurableApplicationContext context) {
		return context.getBean(RedisSseBroker.class);
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static SseService sse(ConfigurableApplicationContext context) {
		return context.getBean(SseService.class);
	}

	private static Status health(ConfigurableApplicationContext context) {
		HealthIndicator indicator = context.getBean("sseBrokerHealthIndicator", HealthIndicator.class);
		return indicator.health().getStatus();
	}

	private static double publishFailures(ConfigurableApplicationContext context) {
		return context.getBean(MeterRegistry.class).get("sse.broker.publish.failures").functionCounter().count();
	}

	private static void awaitOpen(ConfigurableApplicationContext context, int streams) {
		DefaultSseService service = context.getBean(DefaultSseService.class);
		await().atMost(WAIT).until(() -> service.openStreams() == streams);
	}

	@Test
	void redisStoppedAndStartedAgainLosesNothingPublishedAfterItIsBack() throws Exception {
		RedisTestServer redis = RedisTestServer.start();
		this.toClose.add(redis);
		ConfigurableApplicationContext a = instance(redis.port(), "faults");
		ConfigurableApplicationContext b = instance(redis.port(), "faults");
		try (EventClient onA = EventClient.connect(port(a), "/topics/subscribe?topic=f");
				EventClient onB = EventClient.connect(port(b), "/topics/subscribe?topic=f");
				RawSseClient rawOnB = RawSseClient.get(port(b), "/topics/subscribe?topic=f")) {
			awaitOpen(a, 1);
			awaitOpen(b, 2);
			String before = sse(a).publish("f", "before");
			assertThat(onA.next(WAIT)).isEqualTo(new Event("message", "before", before));
			assertThat(onB.next(WAIT)).isEqualTo(new Event("message", "before", before));
			assertThat(health(a)).isEqualTo(Status.UP);

			redis.stop();
			// Publications fail, with an exception the caller sees, and are counted.
			await().atMost(WAIT)
				.untilAsserted(() -> assertThatThrownBy(() -> sse(a).publish("f", "lost"))
					.isInstanceOf(SseBrokerException.class)
					.hasMessageContaining("'f'"));
			assertThatThrownBy(() -> sse(b).publish("f", "lost")).isInstanceOf(SseBrokerException.class);
			assertThat(publishFailures(a)).isPositive();
			await().atMost(WAIT).untilAsserted(() -> assertThat(health(a)).isEqualTo(Status.DOWN));
			assertThat(health(b)).isEqualTo(Status.DOWN);
			// A publication through HTTP is refused with 503, not a 500.
			HttpResponse<String> refusedPublication = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(a) + "/topics/publish?topic=f"))
					.POST(BodyPublishers.ofString("x"))
					.build(), BodyHandlers.ofString());
			assertThat(refusedPublication.statusCode()).isEqualTo(503);
			// So is a new topic stream, before it opens, with a hint when to come back.
			try (RawSseClient refused = RawSseClient.get(port(b), "/topics/subscribe?topic=f")) {
				assertThat(refused.status()).isEqualTo(503);
				assertThat(refused.header("Retry-After")).isNotBlank();
			}
			// The open streams stay open: keep-alives go on.
			int keepAlives = count(rawOnB.body(), ": keep-alive\n");
			rawOnB.awaitBody((body) -> count(body, ": keep-alive\n") >= keepAlives + 3, WAIT);
			assertThat(a.getBean(DefaultSseService.class).openStreams()).isEqualTo(1);

			redis.startAgain();
			await().atMost(WAIT).until(() -> broker(a).isAvailable() && broker(b).isAvailable());
			assertThat(health(b)).isEqualTo(Status.UP);
			List<Event> after = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				ConfigurableApplicationContext through = (i % 2 == 0) ? a : b;
				String data = "after" + i;
				after.add(new Event("message", data, sse(through).publish("f", data)));
			}
			// Nothing published once Redis is back is lost, on either instance, and no
			// refused publication shows up.
			for (EventClient client : List.of(onA, onB)) {
				List<Event> got = new ArrayList<>();
				for (int i = 0; i < after.size(); i++) {
					got.add(client.next(WAIT));
				}
				assertThat(got).containsExactlyElementsOf(after);
				assertThat(client.poll(Duration.ofMillis(300))).isNull();
			}
		}
	}

	@Test
	void anInstanceCutOffFromRedisCatchesUpFromTheHistoryWhenItIsBack() throws Exception {
		RedisTestServer redis = RedisTestServer.start();
		this.toClose.add(redis);
		TcpProxy link = TcpProxy.to(redis.port());
		this.toClose.add(link);
		ConfigurableApplicationContext a = instance(redis.port(), "partition");
		ConfigurableApplicationContext b = instance(link.port(), "partition");
		try (EventClient onB = EventClient.connect(port(b), "/topics/subscribe?topic=p")) {
			awaitOpen(b, 1);
			String first = sse(a).publish("p", "first");
			assertThat(onB.next(WAIT)).isEqualTo(new Event("message", "first", first));

			link.cut();
			await().atMost(WAIT).until(() -> !broker(b).isAvailable());
			// Published meanwhile through the instance that still reaches Redis.
			List<Event> meanwhile = new ArrayList<>();
			for (int i = 0; i < 30; i++) {
				String data = "meanwhile" + i;
				meanwhile.add(new Event("message", data, sse(a).publish("p", data)));
			}
			assertThat(onB.poll(Duration.ofMillis(300))).isNull();

			link.restore();
			List<Event> got = new ArrayList<>();
			for (int i = 0; i < meanwhile.size(); i++) {
				got.add(onB.next(WAIT));
			}
			assertThat(got).containsExactlyElementsOf(meanwhile);
			// Its readers are back; its watch says so at its next round (within a
			// second):
			// until then its publications fail fast.
			await().atMost(WAIT).until(() -> broker(b).isAvailable());
			String live = sse(b).publish("p", "live");
			assertThat(onB.next(WAIT)).isEqualTo(new Event("message", "live", live));
		}
	}

	private static int count(String text, String part) {
		return text.split(part, -1).length - 1;
	}

}
