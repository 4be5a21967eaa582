package dev.sse.internal.stream;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.web.servlet.HandlerMapping;

/**
 * What a stream keeps of the request that opened it (never the request itself, which the
 * container recycles).
 *
 * @param id the stream's id
 * @param route the handler's route pattern, or {@code UNKNOWN}
 * @param remoteAddress the client's address and port
 * @param lastEventId the {@code Last-Event-ID} header, else the {@code lastEventId} query
 * parameter
 * @param description method and path, for logs: never the query string, where
 * {@code EventSource} clients put their access tokens
 */
record StreamRequest(String id, String route, String remoteAddress, @Nullable String lastEventId, String description) {

	private static final AtomicLong ids = new AtomicLong();

	static StreamRequest of(HttpServletRequest request) {
		Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
		// EventSource sends the header on its own reconnects; a reloaded page can only
		// pass a parameter.
		String lastEventId = request.getHeader("Last-Event-ID");
		if (lastEventId == null) {
			lastEventId = request.getParameter("lastEventId");
		}
		return new StreamRequest(Long.toString(ids.incrementAndGet()),
				(pattern != null) ? pattern.toString() : "UNKNOWN",
				request.getRemoteAddr() + ":" + request.getRemotePort(), lastEventId,
				request.getMethod() + " " + request.getRequestURI());
	}
}
