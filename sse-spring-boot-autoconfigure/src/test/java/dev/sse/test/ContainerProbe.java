package dev.sse.test;

import org.apache.catalina.Container;
import org.apache.catalina.core.StandardContext;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.util.ClassUtils;

/**
 * What the container itself still holds. A request whose async processing was never
 * completed keeps the container busy (and a graceful shutdown waiting) until it is.
 */
public final class ContainerProbe {

	private static final boolean TOMCAT = ClassUtils.isPresent("org.apache.catalina.core.StandardContext",
			ContainerProbe.class.getClassLoader());

	private ContainerProbe() {
	}

	/**
	 * Async requests Tomcat has started and not yet completed.
	 * @param webServer the server
	 * @return how many, or {@code -1} on a container that does not tell (Jetty)
	 */
	public static int asyncRequestsInProgress(WebServer webServer) {
		if (!TOMCAT || !(webServer instanceof TomcatWebServer tomcat)) {
			return -1;
		}
		int count = 0;
		for (Container child : tomcat.getTomcat().getHost().findChildren()) {
			if (child instanceof StandardContext context) {
				count += context.getInProgressAsyncCount();
			}
		}
		return count;
	}

}
