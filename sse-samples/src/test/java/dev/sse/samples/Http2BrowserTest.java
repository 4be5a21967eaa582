package dev.sse.samples;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user with several tabs, or one page with several streams: ten {@code EventSource}s of
 * one page on one origin, in headless Chromium. Over HTTP/2 (the {@code http2} profile:
 * TLS with a certificate generated at start) they share one connection and all ten are
 * live; over HTTP/1.1 Chromium opens six connections per origin and the seventh stream
 * waits. Run on Tomcat, and on Jetty by the {@code jetty} execution of the samples'
 * build.
 */
@Tag("browser")
@Tag("http2")
class Http2BrowserTest {

	@BeforeAll
	static void prerequisitesAreInstalled() throws IOException {
		BrowserScripts.requireInstalled();
	}

	private static ConfigurableApplicationContext start(String... profiles) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(SamplesApplication.class)
			.profiles(profiles)
			.run("--server.port=0", "--samples.quotes.interval=200",
					"--logging.file.name=target/browser-test-logs/samples-http2.log");
		// The container the build meant: Tomcat, or Jetty in the jetty execution.
		WebServer server = ((WebServerApplicationContext) context).getWebServer();
		assertThat(server.getClass().getSimpleName().toLowerCase())
			.startsWith(System.getProperty("sse.test.container", "tomcat"));
		return context;
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static List<Integer> counts(JsonNode result) {
		List<Integer> counts = new ArrayList<>();
		result.get("counts").forEach((n) -> counts.add(n.asInt()));
		return counts;
	}

	@Test
	void tenStreamsOfOnePageAreAllLiveOverHttp2() throws Exception {
		try (ConfigurableApplicationContext app = start("http2")) {
			JsonNode result = BrowserScripts.browser("tenStreams", "https://localhost:" + port(app), "3000");
			assertThat(result.get("protocol").asString()).isEqualTo("h2");
			assertThat(counts(result)).as("quote events per stream")
				.hasSize(10)
				.allSatisfy((n) -> assertThat(n).isGreaterThanOrEqualTo(2));
		}
	}

	@Test
	void overHttp11TheSeventhStreamOfAPageWaits() throws Exception {
		try (ConfigurableApplicationContext app = start()) {
			JsonNode result = BrowserScripts.browser("tenStreams", "http://localhost:" + port(app), "2000");
			assertThat(result.get("protocol").asString()).isEqualTo("http/1.1");
			List<Integer> counts = counts(result);
			// Six connections, six live streams; the others got nothing in the 2 s after.
			assertThat(counts.subList(0, 6)).allSatisfy((n) -> assertThat(n).isGreaterThanOrEqualTo(2));
			assertThat(counts.subList(6, 10)).containsOnly(0);
		}
	}

}
