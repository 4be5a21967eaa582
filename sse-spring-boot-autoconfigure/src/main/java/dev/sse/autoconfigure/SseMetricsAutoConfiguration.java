package dev.sse.autoconfigure;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.sse.metrics.SseMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The {@code sse.*} Micrometer meters, when the application has a {@link MeterRegistry} (no
 * dependency on Actuator).
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ MeterRegistry.class, SseEmitter.class })
@ConditionalOnBean(MeterRegistry.class)
@EnableConfigurationProperties(SseProperties.class)
public final class SseMetricsAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SseMetricsAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    SseMetrics sseMetrics(MeterRegistry registry) {
        return new SseMetrics(registry);
    }

    @Bean
    MeterFilter sseUriTagsFilter(SseProperties properties) {
        int max = properties.getMetrics().getMaxUriTags();
        AtomicBoolean warned = new AtomicBoolean();
        return MeterFilter.maximumAllowableTags("sse.", "uri", max, MeterFilter.deny((id) -> {
            if (warned.compareAndSet(false, true)) {
                log.warn("Reached the maximum of {} uri tags on sse.* meters (sse.metrics.max-uri-tags): "
                        + "new routes are no longer measured", max);
            }
            return true;
        }));
    }
}
