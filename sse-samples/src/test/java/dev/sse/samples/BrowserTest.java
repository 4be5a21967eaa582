package dev.sse.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.sse.test.RedisTestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every sample, as a person sees it in headless Debian Chromium (playwright-core), and
 * the same events read by the npm eventsource client, so two independent clients agree.
 * The Maven build installs both (src/test/browser/setup.sh) before the tests run.
 */
@Tag("browser")
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "logging.file.name=" + BrowserTest.LOG_FILE,
		"sse.disconnect-detection-interval=2s", "samples.quotes.interval=200" })
class BrowserTest {

	/**
	 * Every application this class starts logs to the same file: Logback is one per JVM,
	 * so a second application started with another file would move this context's log
	 * there, and the log-streaming sample (which tails this context's file) would see
	 * nothing more.
	 */
	static final String LOG_FILE = "target/browser-test-logs/samples.log";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@Autowired
	private TokenGenerator model;

	@BeforeAll
	static void prerequisitesAreInstalled() throws IOException {
		BrowserScripts.requireInstalled();
	}

	private String base() {
		return "http://localhost:" + this.port;
	}

	private static JsonNode run(String script, String... args) throws Exception {
		return BrowserScripts.run(script, args);
	}

	private JsonNode browser(String scenario, String arg) throws Exception {
		return BrowserScripts.browser(scenario, base(), arg);
	}

	private JsonNode eventSource(String path, String stopEvent, int count, String... lastEventId) throws Exception {
		List<String> args = new ArrayList<>(List.of(base() + path, stopEvent, Integer.toString(count)));
		args.addAll(List.of(lastEventId));
		return run("eventsource.mjs", args.toArray(String[]::new));
	}

	private static String unique() {
		return UUID.randomUUID().toString().substring(0, 8);
	}

	@Test
	void basicShowsFiveUpdatesAndDone() throws Exception {
		JsonNode page = browser("basic", "");
		assertThat(page.get("log").asString().split("\n")).containsExactly("message: Hello from server!",
				"update: processing 25%", "update: processing 50%", "update: processing 75%", "done: complete=true");
		JsonNode events = eventSource("/api/basic", "done", 1);
		assertThat(events.size()).isEqualTo(5);
		assertThat(events.get(0).get("data").asString()).isEqualTo("Hello from server!");
		assertThat(events.get(4).get("type").asString()).isEqualTo("done");
	}

	@Test
	void theAiAnswerIsCompleteAndEqualToTheGeneratorsOutput() throws Exception {
		String prompt = "Why use SSE " + unique();
		String expected = String.join("", this.model.tokens(prompt));
		JsonNode page = browser("ai", prompt);
		assertThat(page.get("text").asString()).isEqualTo(expected);
		assertThat(page.get("status").asString())
			.isEqualTo("Complete! Total tokens: " + this.model.tokens(prompt).size());
		JsonNode events = eventSource("/api/ai/stream?delayMillis=0&prompt=" + prompt.replace(" ", "%20"), "done", 1);
		StringBuilder text = new StringBuilder();
		for (JsonNode event : events) {
			if (event.get("type").asString().equals("token")) {
				text.append(event.get("data").asString());
			}
		}
		assertThat(text.toString()).isEqualTo(expected);
	}

	@Test
	void theAllowedOriginReceivesTheStreamAndAnotherOriginDoesNot() throws Exception {
		JsonNode result = browser("cors", "");
		assertThat(result.get("allowedStatus").asString()).isEqualTo("received");
		assertThat(result.get("allowedLog").asString()).contains("greeting: Hello from API")
			.contains("data: Cross-origin data");
		assertThat(result.get("deniedStatus").asString()).isEqualTo("blocked");
		assertThat(result.get("deniedLog").asString()).isEmpty();
	}

	@Test
	void dashboardNumbersChangeAndOnmessageNeverThrows() throws Exception {
		JsonNode result = browser("dashboard", "");
		List<String> seen = new ArrayList<>();
		result.get("seen").forEach((n) -> seen.add(n.asString()));
		assertThat(seen).hasSize(4)
			.allSatisfy((s) -> assertThat(s).contains("% CPU").contains(" MB").contains("threads"));
		assertThat(seen.stream().distinct().count()).as("the figures change between updates").isGreaterThan(1);
		assertThat(result.get("errors").size()).as("page errors").isZero();
	}

	@Test
	void theProgressBarReachesOneHundredPercent() throws Exception {
		JsonNode result = browser("progress", "");
		assertThat(result.get("value").asInt()).isEqualTo(100);
		assertThat(result.get("step").asString()).isEqualTo("5/5: Complete (done)");
		JsonNode events = eventSource("/api/progress?stepMillis=0", "done", 1);
		assertThat(events.get(4).get("data").asString()).contains("\"progress\":100");
	}

	@Test
	void aLogLineWrittenByTheTestAppears() throws Exception {
		String message = "browser test line " + unique();
		JsonNode result = browser("logs", message);
		assertThat(result.get("lines").asString()).contains("WARN " + message);
	}

	@Test
	void aNotificationForOneUserNeverReachesAnother() throws Exception {
		JsonNode result = browser("notifications", unique());
		assertThat(result.get("alice").asString()).contains("for-alice").doesNotContain("for-bob");
		assertThat(result.get("bob").asString()).contains("for-bob").doesNotContain("for-alice");
	}

	@Test
	void aChatMessageFromOnePageAppearsOnAnotherAndAReloadedPageResumes() throws Exception {
		String room = unique();
		String marker = post("/api/chat/room-" + room, "{\"user\":\"test\",\"text\":\"marker\"}").get("id").asString();
		JsonNode result = browser("chat", room);
		assertThat(result.get("beforeReload").asString().strip()).isEqualTo("ann: first message");
		// After the reload the page resumed after its last id: the missed message, not
		// the old one again.
		assertThat(result.get("afterReload").asString().strip()).isEqualTo("ann: sent while b reloaded");
		// The npm client, connecting with Last-Event-ID of the marker, gets both from the
		// topic's history.
		JsonNode replay = eventSource("/api/chat/room-" + room + "/stream", "message", 2, marker);
		assertThat(replay.get(0).get("data").asString()).contains("first message");
		assertThat(replay.get(1).get("data").asString()).contains("sent while b reloaded");
		assertThat(Long.parseLong(replay.get(1).get("id").asString()))
			.isGreaterThan(Long.parseLong(replay.get(0).get("id").asString()));
	}

	@Test
	void aMessageTypedOnOneInstanceAppearsOnTheOtherThroughRedis() throws Exception {
		String keys = "samples-" + unique();
		try (RedisTestServer redis = RedisTestServer.start();
				ConfigurableApplicationContext a = redisInstance(redis, keys);
				ConfigurableApplicationContext b = redisInstance(redis, keys)) {
			String room = "across-" + unique();
			JsonNode result = BrowserScripts.browser("chatAcross", baseOf(a), baseOf(b) + "|" + room);
			// Each page shows both messages, in the order they were sent, whichever
			// instance they were typed on.
			assertThat(result.get("a").asString().strip())
				.isEqualTo("ann: typed on instance A\nbob: typed on instance B");
			assertThat(result.get("b").asString().strip())
				.isEqualTo("ann: typed on instance A\nbob: typed on instance B");
		}
	}

	@Test
	void aLoggedInPageStreamsAsItsUserAndCannotFollowAnotherUser() throws Exception {
		try (ConfigurableApplicationContext secure = new SpringApplicationBuilder(SamplesApplication.class)
			.profiles("secure")
			.run("--server.port=0", "--logging.file.name=" + LOG_FILE)) {
			JsonNode result = BrowserScripts.browser("secure", baseOf(secure), "alice:alice-pw");
			// The session cookie authenticates the EventSource; the callback sees the
			// user
			// on the request thread and on the executor alike.
			assertThat(result.get("sync").get("callback").asString()).isEqualTo("alice");
			assertThat(result.get("async").get("callback").asString()).isEqualTo("alice");
			assertThat(result.get("async").get("principal").asString()).isEqualTo("alice");
			assertThat(result.get("other").get("refused").asBoolean()).isTrue();
			// The page's POST carried the CSRF token; the notification came back on
			// alice's
			// own topic.
			assertThat(result.get("sent").get("user").asString()).isEqualTo("alice");
			assertThat(result.get("notification").get("title").asString()).isEqualTo("sent from the page");
		}
	}

	private static ConfigurableApplicationContext redisInstance(RedisTestServer redis, String keys) {
		// Arguments, as on a command line: they win over application.yml.
		return new SpringApplicationBuilder(SamplesApplication.class).profiles("redis")
			.run("--server.port=0", "--spring.data.redis.port=" + redis.port(), "--spring.data.redis.host=127.0.0.1",
					"--sse.broker.redis.key-prefix=" + keys, "--logging.file.name=" + LOG_FILE);
	}

	private static String baseOf(ConfigurableApplicationContext context) {
		return "http://localhost:" + ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private JsonNode post(String path, String json) throws Exception {
		java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + path))
				.header("Content-Type", "application/json")
				.POST(java.net.http.HttpRequest.BodyPublishers.ofString(json))
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
		return JSON.readTree(response.body());
	}

	@Test
	void quotesUpdateForEverySymbol() throws Exception {
		JsonNode result = browser("quotes", "");
		List<String> symbols = new ArrayList<>();
		result.get("symbols").forEach((n) -> symbols.add(n.asString()));
		assertThat(symbols).containsExactly("AAPL", "GOOGL", "MSFT");
		assertThat(result.get("later").toString()).isNotEqualTo(result.get("first").toString());
	}

	@Test
	void closingThePageIsNoticedByTheServerWithinTheDetectionTime() throws Exception {
		JsonNode result = browser("leave", unique());
		assertThat(result.get("mine").size()).as("the page's own stream").isEqualTo(1);
		assertThat(result.get("stillOpen").size()).isZero();
		// sse.disconnect-detection-interval=2s for this test; the stream was idle.
		assertThat(result.get("noticedAfterMs").asLong()).isLessThan(4000);
	}

	@Test
	void theStreamsPageChartsOpenStreamsAndEventsPerSecond() throws Exception {
		JsonNode result = browser("streams", "");
		assertThat(Integer.parseInt(result.get("active").asString())).isGreaterThanOrEqualTo(3);
		assertThat(Double.parseDouble(result.get("rate").asString())).isGreaterThan(0);
		assertThat(result.get("minY").asDouble()).as("the line rises above the baseline").isLessThan(270);
		assertThat(BrowserScripts.SHOTS.resolve("streams.png")).isRegularFile();
		assertThat(Files.size(BrowserScripts.SHOTS.resolve("streams.png"))).isGreaterThan(5_000);
	}

}
