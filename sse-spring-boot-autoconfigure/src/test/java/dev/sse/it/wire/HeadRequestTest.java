package dev.sse.it.wire;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.internal.topics.InMemorySseBroker;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code HEAD} on a stream's URL (Spring MVC serves it with the {@code GET} handler): the
 * status and content type, and nothing else: no stream stays open, no callback runs,
 * nothing subscribes, and the connection serves the next request at once.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class HeadRequestTest extends ServerTestSupport {

	@Autowired
	private DefaultSseService service;

	@Autowired
	private InMemorySseBroker broker;

	@Test
	void headAnswersWithHeadersOnlyAndTheConnectionServesTheNextRequest() throws Exception {
		// One connection: HTTP/1.1 keep-alive, one request after the other.
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		for (String path : new String[] { "/idle", "/idle?async=true", "/topics/subscribe?topic=head" }) {
			HttpResponse<String> head = http.send(
					request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(head.statusCode()).as(path).isEqualTo(200);
			assertThat(head.headers().firstValue("Content-Type").orElse("")).as(path).startsWith("text/event-stream");
			HttpResponse<String> next = http.send(request("/ping").build(), HttpResponse.BodyHandlers.ofString());
			assertThat(next.body()).as("the request after HEAD " + path).isEqualTo("pong");
		}
		// The same headers as a GET, CORS included.
		HttpResponse<String> cors = http
			.send(request("/cors?allow=https://a.example").header("Origin", "https://a.example")
				.method("HEAD", HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(cors.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://a.example");
		assertThat(cors.headers().firstValue("Cache-Control")).hasValue("no-cache, no-transform");
		assertThat(cors.headers().firstValue("X-Accel-Buffering")).hasValue("no");
		assertThat(this.service.openStreams()).isZero();
		assertThat(this.broker.subscriberCount()).isZero();
		assertThat(this.signals.fired("idle.open")).as("the callback ran").isFalse();
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(5));
	}

}
