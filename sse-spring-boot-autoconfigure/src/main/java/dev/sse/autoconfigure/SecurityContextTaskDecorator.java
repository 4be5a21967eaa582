package dev.sse.autoconfigure;

import org.springframework.core.task.TaskDecorator;
import org.springframework.security.concurrent.DelegatingSecurityContextRunnable;
import org.springframework.util.ClassUtils;

/** Carries the request's Spring Security context into an async callback. */
final class SecurityContextTaskDecorator implements TaskDecorator {

	static final boolean PRESENT = ClassUtils.isPresent(
			"org.springframework.security.core.context.SecurityContextHolder",
			SecurityContextTaskDecorator.class.getClassLoader());

	@Override
	public Runnable decorate(Runnable runnable) {
		return new DelegatingSecurityContextRunnable(runnable);
	}

}
