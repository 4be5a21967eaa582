package dev.sse.it.observability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sse Actuator endpoint on a separate management port, with writes granted: list, one
 * stream, close one.
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "management.endpoints.web.exposure.include=sse",
				"management.endpoint.sse.access=unrestricted", "management.endpoint.sse.show-values=always" })
class SseEndpointTest extends ServerTestSupport {

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@LocalManagementPort
	private int managementPort;

	private HttpResponse<String> call(String method, String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.managementPort + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.build();
		return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void listsOpenStreamsNewestFirstShowsOneAndClosesOne() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.signals.fire("hold.latch", release);
		try (RawSseClient older = RawSseClient.get(this.port, "/hold")) {
			// the newer one is asked for only once the older one is open: two requests
			// sent
			// together may open in either order on the server
			older.awaitBodyContaining("event: held", WAIT);
			try (RawSseClient newer = RawSseClient.get(this.port, "/hold", "Last-Event-ID: 9")) {
				newer.awaitBodyContaining("event: held", WAIT);
				listShowAndCloseTheNewer(newer);
			}
		}
		finally {
			release.countDown();
		}
	}

	private void listShowAndCloseTheNewer(RawSseClient newer) throws Exception {
		HttpResponse<String> list = call("GET", "/actuator/sse");
		assertThat(list.statusCode()).isEqualTo(200);
		JsonNode report = JSON.readTree(list.body());
		assertThat(report.get("active").asInt()).isEqualTo(2);
		assertThat(report.get("byMode").get("async").asInt()).isEqualTo(2);
		assertThat(report.get("limits").has("asyncMaxConcurrency")).isTrue();
		JsonNode streams = report.get("streams");
		assertThat(streams.size()).isEqualTo(2);
		JsonNode first = streams.get(0);
		assertThat(first.get("route").asString()).isEqualTo("/hold");
		assertThat(first.get("mode").asString()).isEqualTo("async");
		assertThat(first.get("remoteAddress").asString()).startsWith("127.0.0.1:");
		assertThat(first.get("eventsSent").asLong()).isEqualTo(1);
		assertThat(first.get("bytesSent").asLong()).isGreaterThan(20);
		assertThat(first.get("ageMillis").asLong()).isGreaterThanOrEqualTo(0);
		assertThat(Instant.parse(first.get("openedAt").asString()))
			.isAfterOrEqualTo(Instant.parse(streams.get(1).get("openedAt").asString()));

		HttpResponse<String> limited = call("GET", "/actuator/sse?limit=1");
		assertThat(JSON.readTree(limited.body()).get("streams").size()).isEqualTo(1);

		String id = first.get("id").asString();
		HttpResponse<String> one = call("GET", "/actuator/sse/" + id);
		assertThat(one.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(one.body()).get("id").asString()).isEqualTo(id);

		HttpResponse<String> deleted = call("DELETE", "/actuator/sse/" + id);
		assertThat(deleted.statusCode()).isEqualTo(200);
		assertThat(deleted.body()).contains("\"closed\":true");
		assertThat(newer.awaitEnd(WAIT)).isEqualTo(": ok\n\nevent: held\ndata: held\n\n");
		assertThat(call("GET", "/actuator/sse/" + id).statusCode()).isEqualTo(404);
		assertThat(call("DELETE", "/actuator/sse/" + id).statusCode()).isEqualTo(404);
	}

	@Test
	void theEndpointIsNotOnTheApplicationsPort() throws Exception {
		HttpResponse<String> response = HTTP.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/sse")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(404);
	}

}
