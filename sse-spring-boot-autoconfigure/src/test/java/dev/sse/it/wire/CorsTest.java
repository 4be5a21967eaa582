package dev.sse.it.wire;

import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** The cors option, header by header, and beside Spring MVC's own CORS mappings. */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class CorsTest extends ServerTestSupport {

	private RawSseClient get(String allow, String origin) throws Exception {
		RawSseClient raw = (origin != null) ? RawSseClient.get(this.port, "/cors?allow=" + allow, "Origin: " + origin)
				: RawSseClient.get(this.port, "/cors?allow=" + allow);
		raw.awaitEnd(WAIT);
		return raw;
	}

	@Test
	void noCorsHeadersByDefault() throws Exception {
		try (RawSseClient raw = get("", "https://a.example")) {
			assertThat(raw.header("Access-Control-Allow-Origin")).isNull();
			assertThat(raw.header("Access-Control-Allow-Credentials")).isNull();
		}
	}

	@Test
	void aStarAllowsAnyOriginButNeverWithCredentials() throws Exception {
		try (RawSseClient raw = get("*", "https://a.example")) {
			assertThat(raw.headers("Access-Control-Allow-Origin")).containsExactly("*");
			assertThat(raw.header("Access-Control-Allow-Credentials")).isNull();
		}
	}

	@Test
	void aMatchingOriginIsEchoedWithCredentialsAndVary() throws Exception {
		try (RawSseClient raw = get("https://a.example", "https://a.example")) {
			assertThat(raw.headers("Access-Control-Allow-Origin")).containsExactly("https://a.example");
			assertThat(raw.header("Access-Control-Allow-Credentials")).isEqualTo("true");
			assertThat(raw.headers("Vary")).anySatisfy((v) -> assertThat(v).contains("Origin"));
		}
	}

	@Test
	void anOriginFromAListIsEchoed() throws Exception {
		try (RawSseClient raw = get("https://a.example,%20https://b.example", "https://b.example")) {
			assertThat(raw.headers("Access-Control-Allow-Origin")).containsExactly("https://b.example");
			assertThat(raw.header("Access-Control-Allow-Credentials")).isEqualTo("true");
		}
	}

	@Test
	void anOriginPatternMatchesSubdomainsAndIsEchoedWithCredentials() throws Exception {
		try (RawSseClient raw = get("https://*.example.com", "https://app.example.com")) {
			assertThat(raw.headers("Access-Control-Allow-Origin")).containsExactly("https://app.example.com");
			assertThat(raw.header("Access-Control-Allow-Credentials")).isEqualTo("true");
		}
		try (RawSseClient raw = get("https://*.example.com", "https://example.org")) {
			assertThat(raw.header("Access-Control-Allow-Origin")).isNull();
		}
	}

	@Test
	void anOriginNotListedGetsNoCorsHeaders() throws Exception {
		try (RawSseClient raw = get("https://a.example,%20https://b.example", "https://evil.example")) {
			assertThat(raw.header("Access-Control-Allow-Origin")).isNull();
			assertThat(raw.header("Access-Control-Allow-Credentials")).isNull();
			assertThat(raw.headers("Vary")).anySatisfy((v) -> assertThat(v).contains("Origin"));
			assertThat(raw.body()).isEqualTo(": ok\n\ndata: hi\n\n");
		}
	}

	@Test
	void springMvcsCorsMappingAndTheOptionDoNotDoubleHeaders() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/mvc-cors/stream", "Origin: https://a.example")) {
			raw.awaitEnd(WAIT);
			assertThat(raw.headers("Access-Control-Allow-Origin")).containsExactly("https://a.example");
			assertThat(raw.headers("Access-Control-Allow-Credentials")).containsExactly("true");
			assertThat(String.join(",", raw.headers("Vary")).split("Origin,|Origin$", -1)).hasSize(2);
		}
	}

}
