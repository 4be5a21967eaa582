package dev.sse.internal.topics;

import org.jspecify.annotations.Nullable;

/**
 * What a topic name must be, for every broker: non-empty and well-formed UTF-16. A lone
 * surrogate (possible in a name decoded from JSON) has no UTF-8 form: a broker that keys
 * topics by bytes would give distinct names one key.
 */
public final class TopicNames {

	private TopicNames() {
	}

	/**
	 * Checks a topic name.
	 * @param topic the name
	 * @throws IllegalArgumentException naming what is wrong
	 */
	public static void check(@Nullable String topic) {
		if (topic == null || topic.isEmpty()) {
			throw new IllegalArgumentException("A topic must not be null or empty");
		}
		for (int i = 0; i < topic.length(); i++) {
			char c = topic.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < topic.length()
					&& Character.isLowSurrogate(topic.charAt(i + 1))) {
				i++;
			}
			else if (Character.isSurrogate(c)) {
				throw new IllegalArgumentException("A topic name must be well-formed UTF-16: a lone surrogate \\u"
						+ Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + " at index " + i);
			}
		}
	}

}
