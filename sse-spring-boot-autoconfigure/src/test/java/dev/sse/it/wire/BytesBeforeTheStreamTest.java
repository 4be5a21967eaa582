package dev.sse.it.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * A filter that writes to the response before the stream opens (here a 2 KiB padding
 * comment, as some proxies' workarounds do): the stream still opens and streams (the
 * starter asks the container for a smaller response buffer only when nothing was written
 * yet).
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(BytesBeforeTheStreamTest.Padding.class)
class BytesBeforeTheStreamTest extends ServerTestSupport {

	@TestConfiguration(proxyBeanMethods = false)
	static class Padding {

		@Bean
		FilterRegistrationBean<Filter> padding() {
			Filter filter = (request, response, chain) -> {
				response.getOutputStream().write((":" + " ".repeat(2048) + "\n\n").getBytes(StandardCharsets.US_ASCII));
				chain.doFilter(request, response);
			};
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(filter);
			registration.addUrlPatterns("/live");
			return registration;
		}

	}

	@Test
	void theStreamOpensAfterTheFiltersBytes() throws IOException {
		try (RawSseClient raw = RawSseClient.get(this.port, "/live?async=true")) {
			raw.awaitBodyContaining("data: one\n", WAIT);
		}
	}

}
