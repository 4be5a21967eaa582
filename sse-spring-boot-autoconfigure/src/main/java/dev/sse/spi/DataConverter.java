package dev.sse.spi;

import org.jspecify.annotations.Nullable;

/**
 * Turns the {@code data} given to {@code send} into the text of an event. Internal.
 */
@FunctionalInterface
public interface DataConverter {

	/**
	 * @param data the data given to {@code send}
	 * @return its text: strings as is, numbers and booleans in their plain form, anything
	 * else as compact JSON; {@code null} as {@code null}
	 * @throws IllegalArgumentException if the data cannot be turned into text
	 */
	String toText(@Nullable Object data);

	/**
	 * The text of the simple types every converter treats the same way.
	 * @param data the data
	 * @return its text, or {@code null} when the data needs a JSON mapper
	 */
	static @Nullable String simpleText(@Nullable Object data) {
		if (data == null) {
			return "null";
		}
		if (data instanceof CharSequence || data instanceof Number || data instanceof Boolean
				|| data instanceof Character) {
			return data.toString();
		}
		return null;
	}

}
