package dev.sse.internal.stream;

/**
 * Whether the JVM has virtual threads (Java 21+; the starter compiles for Java 17).
 * Internal.
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

}
