package dev.sse.autoconfigure;

import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.Compression;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Keeps {@code text/event-stream} out of {@code server.compression.mime-types}: a
 * compressed stream is buffered by the compressor, so events would not reach the client
 * when sent. Runs after Spring Boot's own customizers, on every container.
 */
final class SseCompressionCustomizer implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {

	private static final Logger log = LoggerFactory.getLogger(SseCompressionCustomizer.class);

	@Override
	public void customize(ConfigurableWebServerFactory factory) {
		if (!(factory instanceof AbstractConfigurableWebServerFactory configurable)) {
			return;
		}
		Compression compression = configurable.getCompression();
		if (compression == null || !compression.getEnabled()) {
			return;
		}
		String[] kept = Arrays.stream(compression.getMimeTypes())
			.filter((type) -> !isEventStream(type))
			.toArray(String[]::new);
		if (kept.length != compression.getMimeTypes().length) {
			compression.setMimeTypes(kept);
			log.info("server.compression.mime-types lists text/event-stream: SSE responses are left uncompressed "
					+ "so events reach clients when sent");
		}
	}

	private static boolean isEventStream(String mimeType) {
		return mimeType.trim().toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream");
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
