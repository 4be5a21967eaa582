package dev.sse.internal.topics;

import org.jspecify.annotations.Nullable;

/**
 * The ids of topic events: positive decimal numbers, increasing per topic (the in-memory
 * broker's increase across all its topics; the Redis broker's across the topics of a
 * bucket). They are microseconds of the wall clock, counted up by one per event when
 * events come faster: a broker starts from the clock ({@link #firstOfRun(long)}), so ids
 * never repeat after a restart and an id from an earlier run is older than anything the
 * new run issued. They stay below 2^53, so Redis' Lua and JavaScript read them exactly.
 */
public final class EventIds {

	/** Microseconds: a run may issue a thousand ids per millisecond on average. */
	private static final long PER_MILLISECOND = 1_000L;

	private static final int MAX_DIGITS = 16;

	private EventIds() {
	}

	/**
	 * The id before the first id of a run that starts now: the wall clock in
	 * microseconds. A later run starts higher unless the earlier one issued more than a
	 * million ids a second on average over its whole life.
	 * @param currentTimeMillis the wall clock
	 * @return the id before the run's first id
	 */
	public static long firstOfRun(long currentTimeMillis) {
		return currentTimeMillis * PER_MILLISECOND;
	}

	/**
	 * Reads a {@code Last-Event-ID} sent by a client, in constant time whatever its
	 * length.
	 * @param lastEventId the header or parameter value
	 * @return the id, or {@code -1} when it is absent, empty, not a decimal number,
	 * negative or too large to be one of ours
	 */
	public static long parse(@Nullable String lastEventId) {
		if (lastEventId == null) {
			return -1;
		}
		String text = lastEventId.strip();
		if (text.isEmpty() || text.length() > MAX_DIGITS) {
			return -1;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return -1;
			}
		}
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

}
