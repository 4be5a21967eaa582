package dev.sse.autoconfigure;

import dev.sse.spi.SseStreams;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.Lifecycle;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;

/**
 * Ends the open streams as soon as the application context starts closing: before Spring
 * Boot closes the meter registries (so {@code reason=shutdown} is still counted) and
 * before the web server's graceful shutdown waits on requests. The service's own
 * lifecycle stop remains as a second line. Ignores the closing of other contexts (a child
 * management context).
 */
final class SseShutdownListener implements ApplicationListener<ContextClosedEvent>, Ordered {

	private final ObjectProvider<SseStreams> service;

	private final ApplicationContext context;

	SseShutdownListener(ObjectProvider<SseStreams> service, ApplicationContext context) {
		this.service = service;
		this.context = context;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (event.getApplicationContext() == this.context) {
			// The service's lifecycle stop, ahead of the lifecycle phase: ends every open
			// stream (reason shutdown) and opens no more.
			this.service.ifUnique((streams) -> {
				if (streams instanceof Lifecycle lifecycle) {
					lifecycle.stop();
				}
			});
		}
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
