package dev.sse.internal.stream;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code cors} option: none, any origin, a list of origins or patterns.
 */
class CorsPolicyTest {

	@Test
	void emptyOrBlankMeansNoCorsHeaders() {
		for (String cors : new String[] { "", " ", " , " }) {
			MockHttpServletResponse response = apply(cors, "https://a.example");
			assertThat(response.getHeader("Access-Control-Allow-Origin")).as("cors '%s'", cors).isNull();
			assertThat(response.getHeaders("Vary")).as("cors '%s'", cors).isEmpty();
		}
	}

	@Test
	void anyOriginIsAStarWithoutCredentials() {
		MockHttpServletResponse response = apply("*", "https://a.example");
		assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
		assertThat(response.getHeader("Access-Control-Allow-Credentials")).isNull();
		assertThat(response.getHeaders("Vary")).contains("Origin");
	}

	@Test
	void aListedOriginIsEchoedWithCredentials() {
		MockHttpServletResponse response = apply("https://a.example, https://b.example", "https://b.example");
		assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://b.example");
		assertThat(response.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
		assertThat(response.getHeaders("Vary")).contains("Origin");
	}

	@Test
	void aPatternMatchesSubdomains() {
		MockHttpServletResponse response = apply("https://*.example.com", "https://app.example.com");
		assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
		MockHttpServletResponse other = apply("https://*.example.com", "https://example.org");
		assertThat(other.getHeader("Access-Control-Allow-Origin")).isNull();
	}

	@Test
	void anOriginNotListedIsServedWithoutCorsHeadersButVaryOnce() {
		MockHttpServletRequest request = request("https://evil.example");
		MockHttpServletResponse response = new MockHttpServletResponse();
		response.addHeader("Vary", "Origin");
		CorsPolicy.apply("https://a.example", request, response);
		assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getHeaders("Vary")).containsExactly("Origin");
		MockHttpServletResponse fresh = apply("https://a.example", "https://evil.example");
		assertThat(fresh.getHeaders("Vary")).containsExactly("Origin");
	}

	@Test
	void aRequestWithoutOriginGetsNothing() {
		MockHttpServletResponse response = new MockHttpServletResponse();
		CorsPolicy.apply("*", new MockHttpServletRequest("GET", "/s"), response);
		assertThat(response.getHeaderNames()).isEmpty();
	}

	private static MockHttpServletResponse apply(String cors, String origin) {
		MockHttpServletResponse response = new MockHttpServletResponse();
		CorsPolicy.apply(cors, request(origin), response);
		return response;
	}

	private static MockHttpServletRequest request(String origin) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/s");
		request.addHeader("Origin", origin);
		request.setServerName("localhost");
		return request;
	}

}
