package dev.sse.spi;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * A broker could not do what was asked, for example because the store behind it is
 * unreachable. Nothing was published. A handler that lets it through answers
 * {@code 503 Service Unavailable}.
 */
@ResponseStatus(HttpStatus.SERVICE_UNAVAILABLE)
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
