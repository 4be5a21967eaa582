package dev.sse.samples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The samples behind Spring Security (profile {@code secure}), on the wire: who may open
 * which stream is decided before any stream opens, the callback sees its user in both
 * modes, and however a token stream ends, no dispatch of it is refused.
 */
@ExtendWith(OutputCaptureExtension.class)
@ActiveProfiles("secure")
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "logging.level.dev.sse=debug",
		"logging.file.name=target/secure-test-logs/samples.log", "sse.disconnect-detection-interval=1s" })
class SecureSamplesTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	private static String basic(String user) {
		return "Basic "
				+ Base64.getEncoder().encodeToString((user + ":" + user + "-pw").getBytes(StandardCharsets.UTF_8));
	}

	private HttpResponse<String> request(String method, String path, String... headerPairs) throws Exception {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(WAIT)
			.method(method, HttpRequest.BodyPublishers.noBody());
		for (int i = 0; i + 1 < headerPairs.length; i += 2) {
			builder.header(headerPairs[i], headerPairs[i + 1]);
		}
		return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static JsonNode whoami(EventClient client) throws InterruptedException {
		Event event = client.next(WAIT);
		assertThat(event.type()).isEqualTo("whoami");
		return JSON.readTree(event.data());
	}

	/** Topic streams open with a comment, not an event. */
	private static void awaitOpen(EventClient client) {
		await().atMost(WAIT).until(() -> client.response() != null || client.isClosed());
		assertThat(client.response().code()).isEqualTo(200);
	}

	private String token(String user) throws Exception {
		HttpResponse<String> response = request("POST", "/api/token", "Authorization", basic(user));
		assertThat(response.statusCode()).isEqualTo(200);
		return JSON.readTree(response.body()).get("token").asString();
	}

	@Test
	void anUnauthenticatedClientGets401BeforeAnyStreamOpens() throws Exception {
		for (String path : List.of("/api/whoami", "/api/whoami?async=true", "/api/basic",
				"/api/notifications/stream?user=alice", "/api/whoami?access_token=forged")) {
			HttpResponse<String> response = request("GET", path, "Accept", "text/event-stream");
			assertThat(response.statusCode()).as(path).isEqualTo(401);
			assertThat(response.headers().firstValue("Content-Type").orElse("")).as(path)
				.doesNotContain("text/event-stream");
		}
		HttpResponse<String> wrongPassword = request("GET", "/api/whoami", "Authorization",
				"Basic " + Base64.getEncoder().encodeToString("alice:nope".getBytes(StandardCharsets.UTF_8)));
		assertThat(wrongPassword.statusCode()).isEqualTo(401);
	}

	@Test
	void theCallbackSeesTheAuthenticatedUserInSyncAndAsyncMode() throws Exception {
		try (EventClient sync = EventClient.connect(this.port, "/api/whoami", "Authorization", basic("alice"));
				EventClient async = EventClient.connect(this.port, "/api/whoami?async=true", "Authorization",
						basic("bob"))) {
			JsonNode onRequestThread = whoami(sync);
			assertThat(onRequestThread.get("principal").asString()).isEqualTo("alice");
			assertThat(onRequestThread.get("callback").asString()).isEqualTo("alice");
			JsonNode onExecutor = whoami(async);
			assertThat(onExecutor.get("principal").asString()).isEqualTo("bob");
			assertThat(onExecutor.get("callback").asString()).isEqualTo("bob");
			assertThat(onExecutor.get("thread").asString()).isNotEqualTo(onRequestThread.get("thread").asString())
				.doesNotStartWith("http-nio");
			sync.awaitClosed(WAIT);
			async.awaitClosed(WAIT);
		}
	}

	@Test
	void aUserFollowsOnlyTheirOwnTopic() throws Exception {
		try (EventClient intruder = EventClient.connect(this.port, "/api/notifications/stream?user=alice",
				"Authorization", basic("bob"));
				EventClient alice = EventClient.connect(this.port, "/api/notifications/stream?user=alice",
						"Authorization", basic("alice"))) {
			intruder.awaitClosed(WAIT);
			assertThat(intruder.response().code()).isEqualTo(403);
			assertThat(intruder.events()).isEmpty();
			awaitOpen(alice);
			// Bob may not write into alice's topic; an admin may (HTTP Basic needs no
			// CSRF
			// token); only alice reads.
			assertThat(notify("alice", "bob", "from bob").statusCode()).isEqualTo(403);
			assertThat(notify("alice", "admin", "from admin").statusCode()).isEqualTo(200);
			Event notification = alice.next(WAIT);
			assertThat(notification.type()).isEqualTo("notification");
			assertThat(JSON.readTree(notification.data()).get("title").asString()).isEqualTo("from admin");
			assertThat(notify("alice", "alice", "note to self").statusCode()).isEqualTo(200);
			assertThat(JSON.readTree(alice.next(WAIT).data()).get("title").asString()).isEqualTo("note to self");
		}
	}

	private HttpResponse<String> notify(String user, String as, String title) throws Exception {
		return HTTP.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/notifications?user=" + user))
					.header("Authorization", basic(as))
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"" + title + "\"}"))
					.build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void aTokenInTheQueryStringOpensAStreamAndIsNeverLogged(CapturedOutput output) throws Exception {
		String token = token("alice");
		try (EventClient client = EventClient.connect(this.port, "/api/whoami?async=true&access_token=" + token)) {
			assertThat(whoami(client).get("callback").asString()).isEqualTo("alice");
			client.awaitClosed(WAIT);
		}
		assertThat(output.getAll()).contains("SSE stream").doesNotContain(token);
	}

	@Test
	void tokenStreamsEndEveryWayWithoutAccessDenied(CapturedOutput output) throws Exception {
		String token = token("alice");
		// Ended by the callback (sync and async).
		try (EventClient sync = EventClient.connect(this.port, "/api/whoami?access_token=" + token);
				EventClient async = EventClient.connect(this.port, "/api/whoami?async=true&access_token=" + token)) {
			sync.awaitClosed(WAIT);
			async.awaitClosed(WAIT);
		}
		// Ended by the client, noticed by the server (on Tomcat the container reports it,
		// and Spring MVC dispatches the request again: the saved context authenticates
		// that dispatch).
		for (int i = 0; i < 5; i++) {
			int before = active();
			EventClient leaving = EventClient.connect(this.port,
					"/api/notifications/stream?user=alice&access_token=" + token);
			awaitOpen(leaving);
			leaving.close();
			await().atMost(WAIT).until(() -> active() <= before);
		}
		// Ended by the server (an admin's eviction).
		try (EventClient evicted = EventClient.connect(this.port,
				"/api/notifications/stream?user=alice&access_token=" + token)) {
			awaitOpen(evicted);
			JsonNode streams = JSON.readTree(request("GET", "/actuator/sse", "Authorization", basic("admin")).body());
			for (JsonNode stream : streams.get("streams")) {
				request("DELETE", "/actuator/sse/" + stream.get("id").asString(), "Authorization", basic("admin"));
			}
			evicted.awaitClosed(WAIT);
		}
		await().atMost(WAIT).until(() -> active() == 0);
		assertThat(output.getAll()).doesNotContain("Access Denied").doesNotContain("already committed");
	}

	private int active() throws Exception {
		return JSON.readTree(request("GET", "/actuator/sse", "Authorization", basic("admin")).body())
			.get("active")
			.asInt();
	}

	@Test
	void aTokenOnlyOpensStreams() throws Exception {
		String token = token("alice");
		// It cannot mint its successor, even with a CSRF token of the client's choosing.
		HttpResponse<String> minted = request("POST", "/api/token?access_token=" + token, "Cookie", "XSRF-TOKEN=abc",
				"X-XSRF-TOKEN", "abc");
		assertThat(minted.statusCode()).isIn(401, 403);
		// An error on a token request is that error, not a 401 of its error dispatch.
		HttpResponse<String> bad = request("GET", "/api/whoami?async=notabool&access_token=" + token);
		assertThat(bad.statusCode()).isEqualTo(400);
	}

	@Test
	void headIsAuthorizedLikeGet() throws Exception {
		assertThat(request("HEAD", "/api/notifications/stream?user=alice", "Authorization", basic("bob")).statusCode())
			.isEqualTo(403);
		HttpResponse<String> own = request("HEAD", "/api/notifications/stream?user=bob", "Authorization", basic("bob"));
		assertThat(own.statusCode()).isEqualTo(200);
		// HEAD opens no stream (one left by another test ends within the detection time).
		await().atMost(WAIT).until(() -> active() == 0);
	}

	@Test
	void actuatorWritesNeedTheAdminRole() throws Exception {
		try (EventClient alice = EventClient.connect(this.port, "/api/notifications/stream?user=alice", "Authorization",
				basic("alice"))) {
			awaitOpen(alice);
			JsonNode streams = JSON.readTree(request("GET", "/actuator/sse", "Authorization", basic("alice")).body());
			String id = streams.get("streams").get(0).get("id").asString();
			assertThat(request("DELETE", "/actuator/sse/" + id).statusCode()).isEqualTo(401);
			assertThat(request("DELETE", "/actuator/sse/" + id, "Authorization", basic("alice")).statusCode())
				.isEqualTo(403);
			assertThat(alice.isClosed()).isFalse();
			assertThat(request("DELETE", "/actuator/sse/" + id, "Authorization", basic("admin")).statusCode())
				.isLessThan(300);
			alice.awaitClosed(WAIT);
		}
	}

}
