package dev.sse.it.observability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sse endpoint as an operator finds it before configuring anything: read-only, client
 * addresses masked, and its JSON shaped by Actuator even when the application renames its
 * own JSON properties.
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"management.endpoints.web.exposure.include=sse", "spring.jackson.property-naming-strategy=SNAKE_CASE" })
class SseEndpointDefaultsTest extends ServerTestSupport {

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	@Autowired
	private DefaultSseService service;

	private HttpResponse<String> call(String method, String path) throws Exception {
		return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void readOnlyMaskedAndShapedByActuator() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.signals.fire("hold.latch", release);
		try (RawSseClient held = RawSseClient.get(this.port, "/hold")) {
			held.awaitBodyContaining("event: held", WAIT);
			HttpResponse<String> list = call("GET", "/actuator/sse");
			assertThat(list.statusCode()).isEqualTo(200);
			JsonNode report = JsonMapper.builder().build().readTree(list.body());
			// camelCase, whatever spring.jackson.* says: Actuator's own mapper writes the
			// endpoint.
			assertThat(report.has("byMode")).isTrue();
			JsonNode stream = report.get("streams").get(0);
			assertThat(stream.has("eventsSent")).isTrue();
			assertThat(stream.get("remoteAddress").asString()).isEqualTo("******");
			String id = stream.get("id").asString();
			// Closing a stream is a write: not allowed until the operator grants it.
			assertThat(call("DELETE", "/actuator/sse/" + id).statusCode()).isIn(404, 405);
			assertThat(this.service.stream(id)).isNotNull();
		}
		finally {
			release.countDown();
		}
	}

}
