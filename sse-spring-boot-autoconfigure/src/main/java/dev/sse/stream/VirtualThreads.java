package dev.sse.stream;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads when the JVM has them (Java 21+); the starter compiles for Java 17, so
 * they are reached by reflection. Internal.
 */
public final class VirtualThreads {

	private VirtualThreads() {
	}

	/**
	 * @return {@code true} on Java 21 and later
	 */
	public static boolean available() {
		return Runtime.version().feature() >= 21;
	}

	/**
	 * An executor that starts a named virtual thread per task.
	 * @param prefix the threads' name prefix
	 * @return the executor
	 * @throws IllegalStateException before Java 21
	 */
	static ExecutorService perTask(String prefix) {
		try {
			Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
			Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
			builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, prefix, 0L);
			ThreadFactory factory = (ThreadFactory) ofVirtual.getMethod("factory").invoke(builder);
			Method create = java.util.concurrent.Executors.class.getMethod("newThreadPerTaskExecutor",
					ThreadFactory.class);
			return (ExecutorService) create.invoke(null, factory);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Virtual threads need Java 21 or later", ex);
		}
	}

}
