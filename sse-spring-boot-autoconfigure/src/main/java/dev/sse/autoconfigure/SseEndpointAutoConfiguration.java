package dev.sse.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sse.actuate.SseEndpoint;
import dev.sse.stream.DefaultSseService;
import dev.sse.stream.VirtualThreads;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sse} Actuator endpoint, when Actuator is on the class path and the endpoint is
 * available (enabled and exposed, as for every endpoint).
 */
@AutoConfiguration(after = SseAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(DefaultSseService.class)
@ConditionalOnAvailableEndpoint(SseEndpoint.class)
public final class SseEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SseEndpoint sseEndpoint(DefaultSseService service, SseProperties properties) {
        Map<String, Object> limits = new LinkedHashMap<>();
        boolean virtual = properties.getExecutor().isVirtualThreads() && VirtualThreads.available();
        limits.put("asyncVirtualThreads", virtual);
        limits.put("asyncMaxConcurrency", properties.getExecutor().effectiveMaxConcurrency(virtual));
        limits.put("timeout", properties.getTimeout().toString());
        limits.put("keepAliveInterval", properties.getKeepAliveInterval().toString());
        limits.put("disconnectDetectionInterval", properties.getDisconnectDetectionInterval().toString());
        return new SseEndpoint(service, limits);
    }
}
