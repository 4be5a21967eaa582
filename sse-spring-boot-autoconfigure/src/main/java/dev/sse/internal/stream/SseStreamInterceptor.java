package dev.sse.internal.stream;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.web.servlet.AsyncHandlerInterceptor;

/**
 * Opens a stream once Spring MVC has initialised its emitter. Spring keeps sends made
 * before then and writes them only when the handler has returned; this interceptor's
 * {@code afterConcurrentHandlingStarted} runs right after that, on the request thread, so
 * a sync callback started here streams live. Internal; registered by the
 * auto-configuration.
 */
public final class SseStreamInterceptor implements AsyncHandlerInterceptor {

	static final String ACTIVE_ATTRIBUTE = SseStreamInterceptor.class.getName() + ".ACTIVE";

	static final String PENDING_ATTRIBUTE = SseStreamInterceptor.class.getName() + ".PENDING";

	/**
	 * Whether a request carries a stream that opened (rather than one refused or never
	 * started).
	 * @param request the request
	 * @return {@code true} for an SSE stream
	 */
	public static boolean isOpenStream(HttpServletRequest request) {
		return request.getAttribute(PENDING_ATTRIBUTE) instanceof AbstractStream stream && stream.isStarted();
	}

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		request.setAttribute(ACTIVE_ATTRIBUTE, Boolean.TRUE);
		return true;
	}

	@Override
	public void afterConcurrentHandlingStarted(HttpServletRequest request, HttpServletResponse response,
			Object handler) {
		if (request.getAttribute(PENDING_ATTRIBUTE) instanceof AbstractStream stream && !stream.isStarted()) {
			stream.open(request, response);
		}
	}

	@Override
	public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
			@Nullable Exception ex) {
		if (request.getAttribute(PENDING_ATTRIBUTE) instanceof AbstractStream stream) {
			stream.abandon();
		}
	}

}
