package dev.sse.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sse.internal.actuate.SseEndpoint;
import dev.sse.spi.SseStreams;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sse} Actuator endpoint, when Actuator is on the class path and the endpoint
 * is available (its access is not none and it is exposed, as for every endpoint).
 */
@AutoConfiguration(after = SseAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(SseStreams.class)
@ConditionalOnAvailableEndpoint(SseEndpoint.class)
@EnableConfigurationProperties(SseEndpointProperties.class)
public final class SseEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SseEndpoint sseEndpoint(SseStreams service, SseProperties properties, SseEndpointProperties endpointProperties,
			@Qualifier("sseThreads") SseSettings.Threads threads) {
		Map<String, Object> limits = new LinkedHashMap<>();
		limits.put("asyncVirtualThreads", threads.virtual());
		limits.put("asyncMaxConcurrency", threads.maxConcurrency());
		limits.put("timeout", properties.getTimeout().toString());
		limits.put("keepAliveInterval", properties.getKeepAliveInterval().toString());
		limits.put("disconnectDetectionInterval", properties.getDisconnectDetectionInterval().toString());
		return new SseEndpoint(service, limits, endpointProperties.getShowValues(), endpointProperties.getRoles());
	}

}
