package dev.sse.topics;

/**
 * A broker could not do what was asked, for example because the store behind it is
 * unreachable. Nothing was published.
 */
public class SseBrokerException extends RuntimeException {

	/**
	 * @param message what failed
	 * @param cause why
	 */
	public SseBrokerException(String message, Throwable cause) {
		super(message, cause);
	}

	/**
	 * @param message what failed
	 */
	public SseBrokerException(String message) {
		super(message);
	}

}
