package dev.sse.it.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import dev.sse.test.EventClient;
import dev.sse.test.EventClient.Event;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sse.tomcat.lean-connections=true} (Tomcat only): smaller socket buffers and a
 * capped cache of closed connections, with ordinary requests as before: a request with 7
 * KiB of headers, a 1 MiB event. (The memory it saves is measured by SoakTest, which runs
 * with it, and reported in BENCHMARKS.md.)
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.tomcat.lean-connections=true", "server.tomcat.processor-cache=50" })
class LeanTomcatConnectionsTest extends ServerTestSupport {

	@Autowired
	private WebServerApplicationContext context;

	@Test
	void theConnectorTakesTheLeanSettings() {
		Connector connector = ((TomcatWebServer) this.context.getWebServer()).getTomcat().getConnector();
		assertThat(String.valueOf(connector.getProperty("socket.appReadBufSize"))).isEqualTo("1024");
		assertThat(String.valueOf(connector.getProperty("socket.appWriteBufSize"))).isEqualTo("4096");
		// Capped at server.tomcat.processor-cache instead of a share of the heap.
		assertThat(String.valueOf(connector.getProperty("socket.bufferPool"))).isEqualTo("50");
	}

	@Test
	void aRequestWithLargeHeadersIsServedAsBefore() throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/ping"))
				.header("X-Large", "x".repeat(7 * 1024))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("pong");
	}

	@Test
	void aLargeEventArrivesWhole() throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/large")) {
			List<Event> events = client.awaitClosed(Duration.ofSeconds(20));
			assertThat(events).extracting(Event::type).containsExactly("large", "done");
			assertThat(events.get(0).data()).isEqualTo(TestApp.largePayload());
		}
	}

}
