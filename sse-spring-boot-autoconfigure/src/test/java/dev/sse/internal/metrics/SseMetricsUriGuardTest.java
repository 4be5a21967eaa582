package dev.sse.internal.metrics;

import java.time.Instant;
import java.util.List;

import dev.sse.autoconfigure.SseMetricsAutoConfiguration;
import dev.sse.spi.CloseReason;
import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.StreamMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sse.metrics.max-uri-tags caps the distinct uri tags, so no mapping can flood the
 * registry.
 */
@ExtendWith(OutputCaptureExtension.class)
class SseMetricsUriGuardTest {

	private record Stream(String route) implements SseStreamInfo {

		@Override
		public String id() {
			return this.route;
		}

		@Override
		public StreamMode mode() {
			return StreamMode.SYNC;
		}

		@Override
		public String remoteAddress() {
			return "127.0.0.1:1";
		}

		@Override
		public Instant openedAt() {
			return Instant.now();
		}

		@Override
		public long eventsSent() {
			return 0;
		}

		@Override
		public long bytesSent() {
			return 0;
		}

		@Override
		public String lastSentEventId() {
			return null;
		}

		@Override
		public List<String> topics() {
			return List.of();
		}

		@Override
		public long queuedBytes() {
			return 0;
		}
	}

	@Test
	void routesPastTheLimitAreNotMeasuredAndOneWarningSaysWhy(CapturedOutput output) {
		new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(SseMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.withPropertyValues("sse.metrics.max-uri-tags=2")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				context.getBeansOfType(MeterFilter.class).values().forEach(registry.config()::meterFilter);
				SseMetrics metrics = context.getBean(SseMetrics.class);
				for (String route : List.of("/a", "/b", "/c", "/d")) {
					Stream stream = new Stream(route);
					metrics.opened(stream);
					metrics.sent(stream, true, 10);
					metrics.closed(stream, CloseReason.COMPLETED);
				}
				assertThat(registry.find("sse.connections.opened").counters())
					.extracting((c) -> c.getId().getTag("uri"))
					.containsExactlyInAnyOrder("/a", "/b");
				assertThat(registry.find("sse.events.sent").counters()).hasSize(2);
				assertThat(output.getOut().split("sse.metrics.max-uri-tags", -1)).hasSize(2);
			});
	}

}
