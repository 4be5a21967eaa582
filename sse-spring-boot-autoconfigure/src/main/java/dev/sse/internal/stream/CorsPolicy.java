package dev.sse.internal.stream;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.DefaultCorsProcessor;

/**
 * A stream's {@code cors} option, in BoxLang's meaning, carried out by Spring's own CORS
 * support ({@link CorsConfiguration}, {@link DefaultCorsProcessor}):
 * <ul>
 * <li>{@code ""}: no CORS headers.</li>
 * <li>{@code "*"}: any origin, {@code Access-Control-Allow-Origin: *}, never with
 * credentials (browsers refuse that pair).</li>
 * <li>a comma-separated list of origins or origin patterns
 * ({@code https://*.example.com}): a matching {@code Origin} is echoed with credentials
 * allowed; any other gets no CORS headers and the stream is served as usual (the browser
 * then keeps it from the page).</li>
 * </ul>
 * {@code Vary: Origin} goes out either way, so caches keep the answers apart. Where
 * Spring MVC's own CORS processing (a {@code @CrossOrigin}, a CORS mapping, Spring
 * Security's {@code cors()}) already answered, it has the last word and nothing is
 * doubled.
 */
final class CorsPolicy {

	private static final DefaultCorsProcessor PROCESSOR = new DefaultCorsProcessor();

	private CorsPolicy() {
	}

	static @Nullable CorsConfiguration configuration(String cors) {
		List<String> allowed = Arrays.stream(cors.split(",")).map(String::trim).filter((s) -> !s.isEmpty()).toList();
		if (allowed.isEmpty()) {
			return null;
		}
		CorsConfiguration configuration = new CorsConfiguration();
		if (allowed.contains("*")) {
			configuration.addAllowedOrigin(CorsConfiguration.ALL);
			configuration.setAllowCredentials(false);
		}
		else {
			configuration.setAllowedOriginPatterns(allowed);
			configuration.setAllowCredentials(true);
		}
		return configuration;
	}

	/** Before the response commits, on the handler's thread. */
	static void apply(String cors, HttpServletRequest request, HttpServletResponse response) {
		CorsConfiguration configuration = configuration(cors);
		String origin = request.getHeader(HttpHeaders.ORIGIN);
		if (configuration == null || origin == null) {
			return;
		}
		if (configuration.checkOrigin(origin) == null) {
			// Not allowed: served without CORS headers (the processor would answer 403
			// instead).
			if (!response.getHeaders(HttpHeaders.VARY).contains(HttpHeaders.ORIGIN)) {
				response.addHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
			}
			return;
		}
		try {
			PROCESSOR.processRequest(configuration, request, response);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not write the CORS headers of an SSE stream", ex);
		}
	}

}
