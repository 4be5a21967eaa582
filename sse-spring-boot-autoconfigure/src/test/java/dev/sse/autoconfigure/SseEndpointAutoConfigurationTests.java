package dev.sse.autoconfigure;

import java.util.Properties;

import dev.sse.internal.actuate.SseEndpoint;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SseEndpointAutoConfiguration}: the {@code sse} endpoint when Actuator is there
 * and the endpoint is available, its limits from the threads' choice, and nothing
 * otherwise. An application without Actuator never loads it: the build's
 * auto-configuration metadata names the class it needs, so Boot skips it unread.
 */
class SseEndpointAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SseAutoConfiguration.class,
				SseEndpointAutoConfiguration.class));

	@Test
	void exposedItIsThereAndReportsTheLimitsInEffect() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=sse", "sse.timeout=10m")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(SseEndpoint.class);
				SseEndpoint.StreamsReport report = context.getBean(SseEndpoint.class).streams(null, null);
				assertThat(report.active()).isZero();
				assertThat(report.limits()).containsEntry("asyncVirtualThreads", false)
					.containsEntry("asyncMaxConcurrency", 200)
					.containsEntry("timeout", "PT10M");
			});
	}

	@Test
	void notExposedItIsNotThere() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SseEndpoint.class));
	}

	@Test
	void withAccessNoneItIsNotThere() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=sse", "management.endpoint.sse.access=NONE")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SseEndpoint.class));
	}

	@Test
	void withoutTheStartersServiceItIsNotThere() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=sse", "sse.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SseEndpoint.class));
	}

	@Test
	void anApplicationWithoutActuatorSkipsItBeforeLoadingIt() throws Exception {
		// Spring Boot reads this metadata to skip an auto-configuration whose classes are
		// missing without loading it (loading it would need Actuator's own condition
		// classes).
		Properties metadata = new Properties();
		try (var in = getClass().getResourceAsStream("/META-INF/spring-autoconfigure-metadata.properties")) {
			assertThat(in).isNotNull();
			metadata.load(in);
		}
		assertThat(metadata.getProperty("dev.sse.autoconfigure.SseEndpointAutoConfiguration.ConditionalOnClass"))
			.isEqualTo("org.springframework.boot.actuate.endpoint.annotation.Endpoint");
	}

}
