package dev.sse.internal.metrics;

import dev.sse.internal.stream.SseStreamInterceptor;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;

import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * Marks the observation of an HTTP request that carried an SSE stream with
 * {@code sse.stream=true} when it stops, so its very long duration can be kept out of
 * {@code http.server.requests} (see {@link #EXCLUDE}) while a trace still shows what it
 * was. Requests refused before a stream opened are not marked: they stay in
 * {@code http.server.requests}.
 */
public final class SseStreamObservationFilter implements ObservationFilter {

	/** The key added to the observation of a stream's request. */
	public static final String KEY = "sse.stream";

	/** The meter filter that drops the marked {@code http.server.requests} timers. */
	public static final MeterFilter EXCLUDE = MeterFilter
		.deny((id) -> id.getName().startsWith("http.server.requests") && "true".equals(id.getTag(KEY)));

	@Override
	public Observation.Context map(Observation.Context context) {
		if (context instanceof ServerRequestObservationContext server && server.getCarrier() != null
				&& SseStreamInterceptor.isOpenStream(server.getCarrier())) {
			context.addLowCardinalityKeyValue(KeyValue.of(KEY, "true"));
		}
		return context;
	}

}
